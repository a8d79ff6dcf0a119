"""Demo practices with simulated customers (wired into `kefu demo` by the demo command).

Every new hire (tier "new") practises the shipped scenarios three times a week in their
first eight weeks; the agents linked to a log-in (the demo log-ins) practise a few times in
the last weeks too. Each practice is played by the simulated trainee of
kefu/training/core/practice_sim.py, whose lapses (bad replies, no greeting or closing,
slow answers) halve every 1.2 weeks since hire, through the real dialogue core, and is
scored by the real QA engine with the default scorecard: the error rate the pages show
(about 28 % in the first week, about 5 % from the sixth) is what QA finds in these
transcripts. About 700 practices in ~2 s (docs/training-practice.md).
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from kefu.accounts.models import Agent
from kefu.interactions.models import Conversation
from kefu.lib.localtime import configured_tz
from kefu.qa import store
from kefu.training.actions.practice import (
    breakdown_data,
    compile_graph,
    sync_builtin_scenarios,
)
from kefu.training.choices import PracticeStatus
from kefu.training.core import dialogue
from kefu.training.core.practice_errors import count_errors
from kefu.training.core.practice_sim import lapse_in_week, simulate
from kefu.training.models import Practice, Scenario

WEEKS = 8  # weeks since hire with practice
PER_WEEK = 3
RECENT_WEEKS = 6  # the demo log-ins' own practice, before `today`


def _data_end(tz) -> date | None:
    """The day of the newest demo conversation: practices stay within the data's year."""
    last = Conversation.objects.order_by("-created_at").values_list("created_at", flat=True)
    newest = last.first()
    return timezone.localtime(newest, tz).date() if newest else None


def demo(
    seed: int,
    *,
    today: date | None = None,
    weeks: int = WEEKS,
    per_week: int = PER_WEEK,
    agents: list[Agent] | None = None,
) -> int:
    """Create the demo practices (replacing earlier practices of the same agents), up to
    `today` (default: the day of the newest conversation); returns how many."""
    rng = random.Random(seed * 7919 + 17)
    tz = configured_tz()
    today = today or _data_end(tz) or timezone.localdate()
    sync_builtin_scenarios()
    scenarios = [
        (row, compile_graph(row.graph))
        for row in Scenario.objects.filter(active=True).order_by("code")
    ]
    if not scenarios:
        return 0
    version = store.default_version()
    engine = store.engine_for(version)
    new_hires = (
        agents
        if agents is not None
        else list(Agent.objects.filter(tier="new", hired_on__isnull=False).order_by("external_id"))
    )
    logins = (
        []
        if agents is not None
        else list(
            Agent.objects.filter(user__isnull=False).exclude(tier="new").order_by("external_id")
        )
    )
    plan: list[tuple[Agent, date, float]] = []  # (agent, day, lapse)
    for agent in new_hires:
        knack = rng.uniform(0.75, 1.25)  # some learn faster than others
        for week in range(1, weeks + 1):
            for _ in range(per_week):
                day = agent.hired_on + timedelta(days=7 * (week - 1) + rng.randrange(7))
                if day <= today:
                    plan.append((agent, day, min(1.0, lapse_in_week(week) * knack)))
    for agent in logins:
        for week in range(RECENT_WEEKS):
            day = today - timedelta(days=7 * week + rng.randrange(1, 7))
            plan.append((agent, day, rng.uniform(0.05, 0.15)))
    rows = []
    for n, (agent, day, lapse) in enumerate(plan):
        row, scenario = rng.choice(scenarios)
        start = datetime.combine(day, time(9, 0), tz) + timedelta(minutes=rng.randrange(9 * 60))
        practice_seed = rng.randrange(2**31)
        run = simulate(scenario, lapse, rng, start, seed=practice_seed)
        goal = run.kind == dialogue.GOAL
        record = dialogue.transcript_record(
            scenario,
            run.transcript,
            conversation_id=f"PRACTICE-DEMO-{n}",
            agent=agent.external_id,
            customer=f"SIM-{scenario.code}",
            resolved_at=run.finished_at if goal else None,
            closed_at=None if goal else run.finished_at,
        )
        result = engine.score(record)
        checked = count_errors(engine.scorecard, result.items, scenario.channel)
        rows.append(
            Practice(
                scenario=row,
                agent=agent,
                status=PracticeStatus.FINISHED,
                node=run.node,
                seed=practice_seed,
                graph=row.graph,
                transcript=[line.as_data() for line in run.transcript],
                started_at=start,
                finished_at=run.finished_at,
                goal_reached=goal,
                qa_score=result.score,
                qa_breakdown=breakdown_data(result, checked, version),
                errors=checked.errors,
                checks=checked.checks,
            )
        )
    with transaction.atomic():
        Practice.objects.filter(agent__in=[*new_hires, *logins]).delete()
        Practice.objects.bulk_create(rows, batch_size=500)
    return len(rows)
