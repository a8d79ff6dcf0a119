"""The fairness demo: the seeds' reserve pool and conversion, a few calibration adjustments,
nothing twice."""

from __future__ import annotations

import random
import time
from datetime import date

import pytest

from kefu.accounts.models import Agent, Team
from kefu.performance import demo_fair
from kefu.performance.choices import CycleKind, PoolStatus
from kefu.performance.models import AgentScore, CalibrationAdjustment, Cycle, PoolEntry
from kefu.performance.selectors.promotion import pool_figures
from kefu.performance.tests.fairness_data import standard_template
from kefu.performance.wording import percent

pytestmark = pytest.mark.django_db
QUARTERS = [(date(2024, m, 1), date(2024, m + 2, 28)) for m in (1, 4, 7, 10)]


@pytest.fixture
def year(personas):
    """127 agents (10 team leads among them) with a review in each quarter."""
    rng = random.Random(3)
    team = Team.objects.create(name="演示组")
    Agent.objects.bulk_create(
        Agent(external_id=f"D{i:04d}", name=f"演示{i}", team=team,
              tier="lead" if i < 10 else "regular")
        for i in range(124)
    )  # fmt: skip
    cycles = [
        Cycle.objects.create(name=f"2024Q{q + 1}", kind=CycleKind.QUARTER, start=s, end=e)
        for q, (s, e) in enumerate(QUARTERS)
    ]
    template = standard_template()
    AgentScore.objects.bulk_create(
        AgentScore(cycle=c, agent=a, team=a.team, template=template,
                   score=round(rng.uniform(60, 95), 1))
        for c in cycles for a in Agent.objects.all()
    )  # fmt: skip
    return cycles


def test_the_demo_makes_the_seeds_pool_and_conversion(year, personas):
    started = time.perf_counter()
    demo_fair.demo(42, year)
    assert time.perf_counter() - started < 5
    figures = pool_figures(Agent.objects.all(), PoolEntry.objects.all())
    assert figures.reserve == 72  # the seeds
    assert (figures.promoted, figures.withdrawn) == (12, 7)
    assert percent(figures.conversion) == "63.2 %"  # the seeds
    assert not PoolEntry.objects.filter(agent__tier="lead").exists()
    # a few adjustments per quarter, each with its reason and the calibrated score stored
    adjustments = CalibrationAdjustment.objects.select_related("score")
    assert adjustments.count() == 4 * len(year)
    for a in adjustments:
        assert a.reason and a.score.calibrated_score == a.after and a.before == a.score.score
        assert a.by == personas.mia
    promoted = PoolEntry.objects.filter(status=PoolStatus.PROMOTED)
    assert all(e.added_on <= e.promoted_on <= year[-1].end for e in promoted)


def test_the_demo_does_nothing_twice(year):
    demo_fair.demo(42, year)
    before = (PoolEntry.objects.count(), CalibrationAdjustment.objects.count())
    demo_fair.demo(42, year)
    assert (PoolEntry.objects.count(), CalibrationAdjustment.objects.count()) == before
    assert demo_fair.figures()["reserve"] == 72
