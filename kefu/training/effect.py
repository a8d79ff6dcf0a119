"""The effect of an assignment rule, from the database: the daily counts behind the pure
core (core/effect.py), and each trainee's KPIs before and after from the metrics
selectors (kefu.metrics: the one definition of FRT and FCR, never a copy).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Max, Sum
from django.utils import timezone

from kefu.accounts.access import restrict, scope_condition
from kefu.accounts.models import Agent
from kefu.metrics.selectors import Scope, totals
from kefu.qa.models import Grain, HitRollup, QaHit, QaResult, ResultRollup
from kefu.training.actions.assignments import item_indicators
from kefu.training.choices import AssignmentStatus
from kefu.training.core import assigning
from kefu.training.core import effect as core
from kefu.training.models import Assignment, AssignmentRule

MAX_TRAINEES = 30  # KPI rows shown per rule (the newest measured completions)
KPI_KEYS = ("conversations", "frt_mean_s", "fcr_rate")


@dataclass
class Trainee:
    assignment: Assignment
    agent: Agent
    completed: date
    before: dict = field(default_factory=dict)  # KPI key → value (metrics' figures)
    after: dict = field(default_factory=dict)


@dataclass
class RuleEffect:
    rule: AssignmentRule
    effect: core.Effect
    trainees: list[Trainee]
    span: tuple[date, date] | None


def daily_series(
    rule: AssignmentRule, first: date, last: date, user
) -> dict[int, dict[date, tuple[int, int]]]:
    """Agent → day → (conversations scored, conversations with a hit of the rule), from
    the current QA results the user may see (the QA day roll-ups, kept equal to them)."""
    series: dict[int, dict[date, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    days = {"grain": Grain.DAY, "period__gte": first, "period__lte": last}
    scored = (
        restrict(ResultRollup.objects.filter(**days), user)
        .exclude(agent_id=0)
        .order_by()
        .values_list("agent_id", "period")
        .annotate(n=Sum("scored"))
    )
    for agent, day, n in scored:
        series[agent][day][0] = n
    if rule.indicator:
        hits = (
            restrict(HitRollup.objects.filter(indicator=rule.indicator, **days), user)
            .exclude(agent_id=0)
            .order_by()
            .values_list("agent_id", "period")
            .annotate(n=Sum("hits"))
        )
        for agent, day, n in hits:
            series[agent][day][1] = n
    else:
        # Only results with a hit of one of the item's indicators can fail it.
        with_hits = restrict(QaHit.objects.filter(is_current=True), user).filter(
            indicator__in=item_indicators(rule.scorecard_item), day__gte=first, day__lte=last
        )
        rows = (
            restrict(QaResult.objects.filter(pk__in=with_hits.values("result_id")), user)
            .exclude(agent_id=None)
            .order_by()
            .values_list("agent_id", "day", "items")
        )
        for agent, day, items in rows.iterator(chunk_size=5000):
            if assigning.fails_item(items or [], rule.scorecard_item):
                series[agent][day][1] += 1
    return {a: {d: (v[0], v[1]) for d, v in days_.items()} for a, days_ in series.items()}


def rule_effect(rule: AssignmentRule, user, *, today: date | None = None) -> RuleEffect:
    """The rule's effect (core/effect.py) on the assignments the user may see, and the
    KPIs before and after of its newest trainees."""
    today = today or timezone.localdate()
    # An after-window is over when today is past it and the scored data reaches it (no
    # conversations imported since: windows beyond the newest scored day are not over).
    newest = ResultRollup.objects.filter(grain=Grain.DAY).aggregate(m=Max("period"))["m"]
    if newest is not None:
        today = min(today, newest)
    completed = list(
        restrict(Assignment.objects.filter(rule=rule), user)
        .filter(status=AssignmentStatus.COMPLETED, completed_at__isnull=False)
        .select_related("agent")
        .order_by("-completed_at", "-pk")
    )
    days = rule.window_days
    completions = [
        core.Completion(a.agent_id, timezone.localdate(a.completed_at)) for a in completed
    ]
    span = core.span(completions, days)
    if span is None:
        return RuleEffect(rule, core.effect({}, [], [], days, until=today), [], None)
    first, last = span
    series = daily_series(rule, first, last, user)
    assigned = set(
        Assignment.objects.filter(rule=rule)
        .filter(assigned_at__date__lte=last, assigned_at__date__gte=first)
        .values_list("agent_id", flat=True)
    ) | {c.agent for c in completions}
    comparison = [a for a in series if a not in assigned]
    result = core.effect(series, completions, comparison, days, until=today)
    trainees = []
    visible = scope_condition(user)
    measured = [
        (assignment, completion)
        for assignment, completion in zip(completed, completions, strict=True)
        if completion.day + timedelta(days=days) <= today
    ]
    for assignment, completion in measured[:MAX_TRAINEES]:
        (b0, b1), (a0, a1) = core.windows(completion.day, days)
        trainee = Trainee(assignment, assignment.agent, completion.day)
        for attr, (start, end) in (("before", (b0, b1)), ("after", (a0, a1))):
            figures = totals(
                Scope(start, end, visible=visible, agent_ids=(assignment.agent_id,)),
                percentiles=False,
            )
            setattr(trainee, attr, {k: figures.get(k) for k in KPI_KEYS})
        trainees.append(trainee)
    return RuleEffect(rule, result, trainees, span)
