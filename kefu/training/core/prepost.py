"""Pre-test vs post-test of a course (pure; no Django).

Each agent contributes at most one score per side (the caller picks it: the first graded
attempt of the course's pre-tests, and of its post-tests). The figures:

- pre mean over every agent with a pre score (pre n), post mean likewise (post n);
- paired: the agents with both, their pre mean, post mean and mean gain
  (post − pre, in points of 100), and how many improved (post > pre).

The headline "68 → 89" is the paired pre mean → paired post mean: the same people before
and after, so agents who joined late or left early do not move it.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class PrePost:
    pre_n: int
    pre_mean: float | None
    post_n: int
    post_mean: float | None
    paired_n: int
    paired_pre_mean: float | None
    paired_post_mean: float | None
    gain: float | None  # paired post mean − paired pre mean
    improved: int  # paired agents whose post score beats their pre score


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def compare(pre: Mapping[Hashable, float], post: Mapping[Hashable, float]) -> PrePost:
    both = [k for k in pre if k in post]
    paired_pre = _mean([float(pre[k]) for k in both])
    paired_post = _mean([float(post[k]) for k in both])
    return PrePost(
        pre_n=len(pre),
        pre_mean=_mean([float(v) for v in pre.values()]),
        post_n=len(post),
        post_mean=_mean([float(v) for v in post.values()]),
        paired_n=len(both),
        paired_pre_mean=paired_pre,
        paired_post_mean=paired_post,
        gain=None if paired_pre is None or paired_post is None else paired_post - paired_pre,
        improved=sum(1 for k in both if float(post[k]) > float(pre[k])),
    )
