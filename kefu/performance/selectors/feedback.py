"""What may be read of 360-degree answers: aggregates behind the anonymity threshold.

`_across_raters` is the one place that reads the answers of every rater (the access layer
shows each FeedbackRequest to its rater only); everything else reads its result. Callers
check first that the user may open the agent's review (the access action
`performance_review` on Agent): the agent, their supervisors, managers.

Self-assessments are not part of the aggregate: the person rated knows their own answer,
and would otherwise learn the others' from a mean of three.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from kefu.performance.choices import Relation
from kefu.performance.core import feedback as core
from kefu.performance.core.methods import score_rate
from kefu.performance.models import Cycle, FeedbackRequest, PerformanceSettings


@dataclass
class Summary:
    """About one agent in one cycle: how many were asked and answered (self included),
    and what may be shown of the others' answers."""

    requested: int = 0
    answered: int = 0
    aggregate: core.Aggregate = field(default_factory=lambda: core.Aggregate(0, False))


@dataclass
class _Answers:
    requested: int = 0
    answered: int = 0
    answers: list[dict] = field(default_factory=list)  # others' (not self)
    comments: list[str] = field(default_factory=list)


def _across_raters(cycle: Cycle, agent_ids: Iterable[int] | None) -> dict[int, _Answers]:
    """The submitted answers of every rater, per agent (None: every agent of the cycle).
    The only read across raters: its result leaves this module as aggregates only."""
    rows = FeedbackRequest.objects.filter(cycle=cycle)
    if agent_ids is not None:
        rows = rows.filter(agent_id__in=list(agent_ids))
    out: dict[int, _Answers] = {}
    for agent_id, relation, answers, comment, submitted in rows.order_by().values_list(
        "agent_id", "relation", "answers", "comment", "submitted_at"
    ):
        entry = out.setdefault(agent_id, _Answers())
        entry.requested += 1
        if submitted is None:
            continue
        entry.answered += 1
        if relation != Relation.SELF:
            entry.answers.append(answers or {})
            entry.comments.append(comment or "")
    return out


def summaries(cycle: Cycle, agent_ids: Iterable[int]) -> dict[int, Summary]:
    """agent id → Summary (agents nobody was asked about included, with zeros)."""
    ids = list(agent_ids)
    threshold = PerformanceSettings.current().anonymity_threshold
    raw = _across_raters(cycle, ids)
    out = {}
    for agent_id in ids:
        entry = raw.get(agent_id, _Answers())
        out[agent_id] = Summary(
            entry.requested,
            entry.answered,
            core.aggregate(entry.answers, entry.comments, threshold),
        )
    return out


def summary(cycle: Cycle, agent_id: int) -> Summary:
    return summaries(cycle, [agent_id])[agent_id]


@dataclass(frozen=True)
class DimensionRate:
    code: str
    label: str
    mean: float | None
    rate: float | None  # the mean as a share of 5 (得分率)
    answers: int


def department_rates(cycle: Cycle) -> list[DimensionRate]:
    """Per dimension, the mean of every answer (self excluded) of the cycle and its score
    rate — shown only over agents whose answers pass the anonymity threshold."""
    threshold = PerformanceSettings.current().anonymity_threshold
    shown = [
        e.answers
        for e in _across_raters(cycle, None).values()
        if len(e.answers) >= max(1, threshold)
    ]
    out = []
    for code, label in core.DIMENSIONS:
        values = [a[code] for answers in shown for a in answers if code in a]
        mean = sum(values) / len(values) if values else None
        out.append(DimensionRate(code, label, mean, score_rate(mean), len(values)))
    return out
