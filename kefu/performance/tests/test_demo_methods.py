"""The methods' demo on the tiny demo: ratings with evidence of the agent in the cycle,
a 360-degree round per quarter with the seeds' figures, interviews mostly acknowledged,
about ten improvement plans; running it again gives the same rows."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.management import call_command

from kefu.core import periods
from kefu.lib.localtime import configured_tz
from kefu.performance import demo_methods
from kefu.performance.models import (
    BarsRating,
    Cycle,
    FeedbackRequest,
    ImprovementPlan,
    Interview,
)
from kefu.performance.selectors.feedback import department_rates


def month_end(year: int, month: int) -> date:
    return (date(year + month // 12, month % 12 + 1, 1)) - timedelta(days=1)


@pytest.fixture
def cycles(db):
    # `kefu demo` opens the year's cycles and runs the methods' demo once already
    call_command("demo", "--seed", "42", "--size", "tiny", verbosity=0)
    return list(Cycle.objects.filter(kind__in=["month", "quarter"]).order_by("kind", "start"))


def test_the_demo_fills_the_methods_with_the_seeds_figures(cycles):
    demo_methods.demo(42, cycles)
    quarters = [c for c in cycles if c.kind == "quarter"]

    # ratings: each with evidence of the rated agent in the cycle's period, by a supervisor
    ratings = list(BarsRating.objects.select_related("cycle").prefetch_related("evidence"))
    assert len(ratings) > 100
    tz = configured_tz()
    for r in ratings[:200]:
        window = periods.lookups("created_at", r.cycle.start, r.cycle.end, tz)
        evidence = list(r.evidence.all())
        assert 1 <= len(evidence) <= 3
        assert all(c.agent_id == r.agent_id for c in evidence)
        assert r.evidence.filter(**window).count() == len(evidence)
        assert r.rater.supervised_teams.filter(pk=r.agent.team_id).exists()
    assert 0.2 < BarsRating.objects.filter(blind=True).count() / len(ratings) < 0.45

    # 360: innovation 71 %, knowledge sharing 65 %; empathy +23 %, collaboration +18 %
    rates = [{d.code: d for d in department_rates(c)} for c in quarters]
    for quarter in rates:
        assert quarter["innovation"].rate == pytest.approx(0.71, abs=0.015)
        assert quarter["knowledge_sharing"].rate == pytest.approx(0.65, abs=0.015)
        assert quarter["innovation"].answers > 300
    assert rates[3]["empathy"].mean / rates[0]["empathy"].mean == pytest.approx(1.23, abs=0.04)
    assert rates[3]["collaboration"].mean / rates[0]["collaboration"].mean == pytest.approx(
        1.18, abs=0.04
    )
    for row in FeedbackRequest.objects.values("agent_id", "cycle_id").distinct()[:50]:
        raters = FeedbackRequest.objects.filter(**row).values_list("rater_id", flat=True)
        assert len(raters) == len(set(raters))  # never the same person twice

    # interviews: each quarterly cycle, most recorded and acknowledged
    for cycle in quarters:
        interviews = Interview.objects.filter(cycle=cycle)
        recorded = interviews.exclude(held_at=None).count()
        acknowledged = interviews.exclude(acknowledged_at=None).count()
        assert interviews.count() > 100 and acknowledged / recorded > 0.8
    assert not Interview.objects.filter(cycle__kind="month").exists()

    # about ten improvement plans with goals, check-ins and lessons
    plans = ImprovementPlan.objects.all()
    assert 8 <= plans.count() <= 10
    assert all(p.goals.exists() and p.checkins.exists() for p in plans)
    assert plans.exclude(status="open").exclude(outcome="").exists()

    # again: the same rows, not twice as many
    counts = [m.objects.count() for m in (BarsRating, FeedbackRequest, Interview, ImprovementPlan)]
    demo_methods.demo(42, cycles)
    assert [
        m.objects.count() for m in (BarsRating, FeedbackRequest, Interview, ImprovementPlan)
    ] == counts
