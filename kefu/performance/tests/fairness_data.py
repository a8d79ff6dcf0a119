"""Data for the fairness tests: cycles and reviews written directly (as the cycle
computation would store them), conversations at day or night, certificates, 360 answers
and fatal QA results."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from django.utils import timezone

from conftest import SHANGHAI
from kefu.accounts.models import Agent, Team
from kefu.interactions.models import Conversation, Customer
from kefu.performance.choices import CycleKind, CycleStatus
from kefu.performance.models import AgentScore, Cycle, FeedbackRequest, Template

Q3 = (date(2024, 7, 1), date(2024, 9, 30))
Q4 = (date(2024, 10, 1), date(2024, 12, 31))


def standard_template() -> Template:
    return Template.objects.filter(family="standard").order_by("-version").first()


def make_cycle(
    name: str = "2024Q4",
    span: tuple[date, date] = Q4,
    kind: str = CycleKind.QUARTER,
    status: str = CycleStatus.OPEN,
) -> Cycle:
    return Cycle.objects.create(
        name=name, kind=kind, start=span[0], end=span[1], status=status,
        computed_at=timezone.now(),
    )  # fmt: skip


def details(qa_points: float | None = None, qa_value: float | None = None) -> list[dict]:
    """A review breakdown with the QA score line (what the rater flags read)."""
    if qa_points is None and qa_value is None:
        return []
    return [
        {
            "source": "qa.score", "dimension": "quality", "weight": 12, "value": qa_value,
            "n": 20, "low": None, "high": None, "points": qa_points, "points_low": None,
            "points_high": None,
        }
    ]  # fmt: skip


def make_score(
    cycle: Cycle,
    agent: Agent,
    value: float | None,
    *,
    calibrated: float | None = None,
    half_width: float = 4.0,
    breakdown: list[dict] | None = None,
) -> AgentScore:
    return AgentScore.objects.create(
        cycle=cycle,
        agent=agent,
        team_id=agent.team_id,
        template=standard_template(),
        score=value,
        score_low=None if value is None else max(0.0, value - half_width),
        score_high=None if value is None else min(100.0, value + half_width),
        dimensions={} if value is None else {"quality": value, "efficiency": value},
        details=breakdown or [],
        calibrated_score=calibrated,
    )


_customer_counter = iter(range(1, 10**9))


def conversations(agent: Agent, span: tuple[date, date], hours: list[int], channel: str = "chat"):
    """One conversation of `agent` per listed local hour, on successive days of the span."""
    customer = Customer.objects.create(external_id=f"U-FAIR-{next(_customer_counter)}")
    rows = []
    for i, hour in enumerate(hours):
        day = span[0] + timedelta(days=i % 80)
        created = datetime(day.year, day.month, day.day, hour, 10, tzinfo=SHANGHAI)
        row = Conversation(
            external_id=f"C-FAIR-{agent.external_id}-{i}", channel=channel, customer=customer,
            agent=agent, team_id=agent.team_id, created_at=created, status="resolved",
            content_hash="x",
        )  # fmt: skip
        rows.append(row)
    Conversation.objects.bulk_create(rows)


def department(
    cycle: Cycle, *, night_gap: float, teams: int = 3, per_team: int = 12, seed: int = 1
) -> list[Agent]:
    """teams × per_team agents with reviews in the cycle: every third agent works nights
    (23:00 conversations); score = 80 + night_gap for night agents + noise."""
    rng = random.Random(seed)
    made = []
    for t in range(teams):
        team, _ = Team.objects.get_or_create(name=f"公平组{t + 1}")
        for i in range(per_team):
            agent = Agent.objects.create(
                external_id=f"F{t}{i:03d}", name=f"坐席{t}-{i}", team=team, tier="regular",
                hired_on=date(2020 + (i % 4), 3, 1),
            )  # fmt: skip
            night = i % 3 == 0
            conversations(agent, (cycle.start, cycle.end), [23] * 6 if night else [10] * 6)
            make_score(cycle, agent, 80 + (night_gap if night else 0) + rng.gauss(0, 2.5))
            made.append(agent)
    return made


def answer(cycle: Cycle, agent: Agent, rater, level: int, relation: str = "peer"):
    return FeedbackRequest.objects.create(
        cycle=cycle, agent=agent, rater=rater, relation=relation,
        answers={"empathy": level, "collaboration": level, "knowledge_sharing": level,
                 "innovation": level},
        submitted_at=timezone.now() - timedelta(days=10),
    )  # fmt: skip


def certify(agent: Agent, *, valid: bool = True):
    from kefu.training.models import Certificate, CertificationCycle

    cycle, _ = CertificationCycle.objects.get_or_create(
        name="公平测试认证", defaults={"starts_on": Q4[0], "ends_on": Q4[1]}
    )
    now = timezone.now()
    return Certificate.objects.create(
        cycle=cycle, agent=agent, passed=True, total=90, issued_at=now - timedelta(days=30),
        expires_at=now + timedelta(days=300 if valid else -1),
    )  # fmt: skip


def fatal_hit(agent: Agent, days_ago: int = 10):
    from kefu.qa.models import QaResult
    from kefu.qa.store import default_version

    customer = Customer.objects.create(external_id=f"U-FATAL-{next(_customer_counter)}")
    when = timezone.now() - timedelta(days=days_ago)
    conversation = Conversation.objects.create(
        external_id=f"C-FATAL-{agent.external_id}-{days_ago}", channel="chat", customer=customer,
        agent=agent, team_id=agent.team_id, created_at=when, status="resolved", content_hash="x",
    )  # fmt: skip
    return QaResult.objects.create(
        conversation=conversation, scorecard_version=default_version(), score=40, passed=False,
        fatal=True, agent=agent, team_id=agent.team_id, day=timezone.localdate(when),
    )  # fmt: skip
