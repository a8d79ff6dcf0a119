"""360-degree feedback: the dimensions asked, and what may be shown of the answers.

Answers are 1–5 per dimension. Averages and comments are shown only when at least
`threshold` raters answered (the anonymity threshold, a setting, default 3), and never
with names; below it, only how many answered.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

# (code, Chinese label): the seeds' four dimensions.
DIMENSIONS: tuple[tuple[str, str], ...] = (
    ("empathy", "同理心表达"),
    ("collaboration", "跨部门协作"),
    ("knowledge_sharing", "知识分享"),
    ("innovation", "创新意愿"),
)
CODES = tuple(code for code, _ in DIMENSIONS)
LOWEST, HIGHEST = 1, 5


def problems(answers: Mapping[str, object]) -> list[str]:
    """What is wrong with one rater's answers (empty when every dimension is 1–5)."""
    found = []
    for code in CODES:
        value = answers.get(code)
        if not isinstance(value, int) or isinstance(value, bool):
            found.append(f"{code}: an answer 1–5 is required")
        elif not LOWEST <= value <= HIGHEST:
            found.append(f"{code}: {value} is outside 1–5")
    found.extend(f"{key}: not a dimension" for key in answers if key not in CODES)
    return found


@dataclass(frozen=True)
class Aggregate:
    raters: int
    shown: bool  # at least `threshold` raters answered
    means: dict[str, float] = field(default_factory=dict)  # empty unless shown
    overall: float | None = None  # mean of the dimension means, None unless shown
    comments: tuple[str, ...] = ()  # shuffled by the caller's order; no names


def aggregate(
    answers: Sequence[Mapping[str, int]], comments: Sequence[str], threshold: int
) -> Aggregate:
    """What may be shown of the submitted answers about one person."""
    raters = len(answers)
    if raters == 0 or raters < max(1, threshold):
        return Aggregate(raters, False)
    means = {
        code: sum(a[code] for a in answers if code in a)
        / max(1, sum(1 for a in answers if code in a))
        for code in CODES
    }
    overall = sum(means.values()) / len(means)
    return Aggregate(
        raters, True, means, overall, tuple(sorted(c.strip() for c in comments if c.strip()))
    )
