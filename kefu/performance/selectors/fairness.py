"""The data of the fairness checks of a cycle: each reviewed agent's factors (from their
conversations and hire date) and each behaviour rating's gap to the evidence. The
computations are the cores' (kefu/performance/core/bias.py, raters.py)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import ExtractHour

from kefu.core import periods
from kefu.interactions.models import Conversation
from kefu.lib.localtime import configured_tz
from kefu.performance.core import bias, raters
from kefu.performance.models import AgentScore, BarsRating, Cycle, PerformanceSettings


def agent_factors(cycle: Cycle, scores: QuerySet[AgentScore]) -> list[bias.AgentFactors]:
    """One row per review of `scores` (the caller restricts them): the final score (after
    calibration), the team it was computed in, the agent's conversations of the cycle per
    channel and at night (local time), and the tenure at the cycle's end."""
    rows = list(
        scores.filter(cycle=cycle)
        .select_related("team", "agent")
        .only("agent_id", "score", "calibrated_score", "team__name", "agent__hired_on")
    )
    tz = configured_tz()
    night = Q(hour__gte=bias.NIGHT_FROM) | Q(hour__lt=bias.NIGHT_TO)
    counts = (
        Conversation.objects.filter(
            agent_id__in=[r.agent_id for r in rows],
            **periods.lookups("created_at", cycle.start, cycle.end, tz),
        )
        .annotate(hour=ExtractHour("created_at", tzinfo=tz))
        .values("agent_id", "channel")
        .annotate(n=Count("pk"), night=Count("pk", filter=night))
        .order_by()
    )
    channels: dict[int, dict[str, int]] = defaultdict(dict)
    nights: dict[int, int] = defaultdict(int)
    for row in counts:
        channels[row["agent_id"]][row["channel"]] = row["n"]
        nights[row["agent_id"]] += row["night"]
    out = []
    for score in rows:
        mix = channels.get(score.agent_id, {})
        hired = score.agent.hired_on
        out.append(
            bias.AgentFactors(
                key=score.agent_id,
                score=score.final_score,
                team=score.team.name if score.team else None,
                conversations=sum(mix.values()),
                night_conversations=nights.get(score.agent_id, 0),
                channels=mix,
                tenure_months=bias.tenure_months(hired, cycle.end) if hired else None,
            )
        )
    return out


@dataclass
class RaterRow:
    rater: object  # the user
    gap: raters.RaterGap


@dataclass
class RaterReport:
    threshold: float
    rows: list[RaterRow] = field(default_factory=list)
    compared: int = 0  # ratings with an evidence figure
    uncompared: int = 0  # ratings whose review has no evidence figure (or no review yet)

    @property
    def flagged(self) -> list[RaterRow]:
        return [row for row in self.rows if row.gap.flagged]


def rater_report(cycle: Cycle, ratings: QuerySet[BarsRating]) -> RaterReport:
    """Each rater's mean gap to the evidence over the cycle's ratings (the caller
    restricts them), flagged per `PerformanceSettings.rater_gap_points`."""
    threshold = PerformanceSettings.current().rater_gap_points
    rows = list(
        ratings.filter(cycle=cycle)
        .select_related("scale")
        .only("agent_id", "rater_id", "level", "scale__evidence_source")
    )
    details = dict(
        AgentScore.objects.filter(cycle=cycle, agent_id__in={r.agent_id for r in rows}).values_list(
            "agent_id", "details"
        )
    )
    gaps = []
    uncompared = 0
    for rating in rows:
        evidence = raters.evidence_points(
            details.get(rating.agent_id) or [], rating.scale.evidence_source or raters.QA_SCORE
        )
        if evidence is None or not raters.LOWEST <= rating.level <= raters.HIGHEST:
            uncompared += 1
            continue
        gaps.append((rating.rater_id, raters.level_points(rating.level) - evidence))
    report = RaterReport(threshold, compared=len(gaps), uncompared=uncompared)
    computed = raters.rater_gaps(gaps, threshold)
    users = get_user_model().objects.in_bulk([row.rater for row in computed])
    report.rows = [RaterRow(users.get(row.rater), row) for row in computed]
    return report
