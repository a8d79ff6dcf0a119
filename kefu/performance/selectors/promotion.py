"""The promotion pool's reads: each agent's standing against the criteria, and the pool's
figures. The criteria and the conversion are defined in kefu/performance/core/promotion.py."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from kefu.accounts.choices import Tier
from kefu.accounts.models import Agent
from kefu.performance.choices import CycleKind, PoolStatus, Relation
from kefu.performance.core import feedback
from kefu.performance.core import promotion as core
from kefu.performance.models import (
    AgentScore,
    Cycle,
    FeedbackRequest,
    PerformanceSettings,
    PoolEntry,
)
from kefu.qa.models import QaResult
from kefu.training.selectors.certification import certified_agents


def rules(settings: PerformanceSettings | None = None) -> core.Rules:
    s = settings or PerformanceSettings.current()
    return core.Rules(
        min_score=s.promotion_min_score,
        cycles=s.promotion_cycles,
        min_feedback=s.promotion_min_360,
        no_fatal_months=s.promotion_no_fatal_months,
        requires_certificate=s.promotion_requires_certificate,
    )


def recent_quarters(count: int) -> list[Cycle]:
    """The `count` latest quarterly cycles with computed reviews, newest first."""
    if count <= 0:
        return []
    ids = AgentScore.objects.filter(cycle__kind=CycleKind.QUARTER).values("cycle_id")
    return list(Cycle.objects.filter(pk__in=ids).order_by("-start")[:count])


@dataclass
class Standing:
    agent: Agent
    evidence: core.Evidence
    checks: list[core.Check]
    entry: PoolEntry | None  # the open reserve entry, if any

    @property
    def eligible(self) -> bool:
        return core.eligible(self.checks)

    @property
    def met(self) -> int:
        return sum(1 for check in self.checks if check.met is not False)


def considered(agents: QuerySet[Agent]) -> QuerySet[Agent]:
    """The agents the pool considers: not team leads already, not promoted already."""
    promoted = PoolEntry.objects.filter(status=PoolStatus.PROMOTED).values("agent_id")
    return agents.exclude(tier=Tier.LEAD).exclude(pk__in=promoted)


def standings(agents: QuerySet[Agent], *, today: date | None = None) -> list[Standing]:
    """Each agent's evidence and checks against the settings' criteria (five queries,
    whatever the number of agents), the eligible first, then by criteria met."""
    settings = PerformanceSettings.current()
    r = rules(settings)
    today = today or timezone.localdate()
    people = list(agents.select_related("team"))
    ids = [a.pk for a in people]
    certified = set(certified_agents().filter(pk__in=ids).values_list("pk", flat=True))
    cycles = recent_quarters(r.cycles)
    finals: dict[int, dict[int, float | None]] = defaultdict(dict)
    for score in AgentScore.objects.filter(cycle__in=cycles, agent_id__in=ids).only(
        "agent_id", "cycle_id", "score", "calibrated_score"
    ):
        finals[score.agent_id][score.cycle_id] = score.final_score
    answers = latest_answers(ids)
    since = core.months_before(today, r.no_fatal_months)
    fatal = dict(
        QaResult.objects.filter(is_current=True, fatal=True, agent_id__in=ids, day__gte=since)
        .values("agent_id")
        .annotate(n=Count("pk"))
        .values_list("agent_id", "n")
        .order_by()
    )
    entries = {
        e.agent_id: e for e in PoolEntry.objects.filter(agent_id__in=ids, status=PoolStatus.RESERVE)
    }
    out = []
    for agent in people:
        given = list(answers.get(agent.pk, {}).values())
        summary = feedback.aggregate(given, [], settings.anonymity_threshold)
        evidence = core.Evidence(
            certified=agent.pk in certified,
            recent_scores=[finals[agent.pk].get(c.pk) for c in cycles],
            feedback=summary.overall,
            feedback_raters=summary.raters,
            fatal_hits=fatal.get(agent.pk, 0),
        )
        out.append(Standing(agent, evidence, core.evaluate(evidence, r), entries.get(agent.pk)))
    out.sort(key=lambda s: (not s.eligible, -s.met, s.agent.external_id))
    return out


def latest_answers(agent_ids: list[int]) -> dict[int, dict[int, dict]]:
    """Agent → rater → the rater's latest submitted 360-degree answers of the last 12
    months; self-assessments are left out (promotion reads how others see the agent)."""
    since = timezone.now() - timedelta(days=core.FEEDBACK_DAYS)
    rows = (
        FeedbackRequest.objects.filter(
            agent_id__in=agent_ids, submitted_at__isnull=False, submitted_at__gte=since
        )
        .exclude(relation=Relation.SELF)
        .order_by("submitted_at", "pk")
        .values_list("agent_id", "rater_id", "answers")
    )
    out: dict[int, dict[int, dict]] = defaultdict(dict)
    for agent_id, rater_id, given in rows:
        if not feedback.problems(given):
            out[agent_id][rater_id] = given  # a later answer replaces an earlier one
    return out


@dataclass(frozen=True)
class PoolFigures:
    certified: int  # agents holding a valid certificate today
    reserve: int  # entries in the reserve pool now
    promoted: int
    withdrawn: int

    @property
    def conversion(self) -> float | None:
        return core.conversion(self.promoted, self.withdrawn)


def pool_figures(agents: QuerySet[Agent], entries: QuerySet[PoolEntry]) -> PoolFigures:
    """The figures over the agents and entries the caller may see."""
    counts = entries.aggregate(
        reserve=Count("pk", filter=Q(status=PoolStatus.RESERVE)),
        promoted=Count("pk", filter=Q(status=PoolStatus.PROMOTED)),
        withdrawn=Count("pk", filter=Q(status=PoolStatus.WITHDRAWN)),
    )
    certified = certified_agents().filter(pk__in=agents.values("pk")).count()
    return PoolFigures(certified, counts["reserve"], counts["promoted"], counts["withdrawn"])
