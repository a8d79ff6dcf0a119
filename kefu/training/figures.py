"""Session figures from the database, through the one definition in core/figures.py; and
the absence rule the performance review reads:

    from kefu.training.figures import absence_penalty
    absence_penalty(agent, "2024-Q3")   # → 0.15 when more than 3 absences, else 0.0

See docs/training-sessions.md.
"""

from __future__ import annotations

from datetime import date, datetime

from django.db.models import QuerySet
from django.utils import timezone

from kefu.accounts.models import Agent
from kefu.core import periods
from kefu.lib.localtime import configured_tz
from kefu.training.core import figures as core
from kefu.training.models import Enrolment, TrainingSession, TrainingSettings


def sessions_in(date_from: date, date_to: date) -> QuerySet[TrainingSession]:
    """Sessions starting on the local days date_from … date_to."""
    return TrainingSession.objects.filter(
        **periods.lookups("starts_at", date_from, date_to, configured_tz())
    )


def seats(date_from: date, date_to: date, *, agent_ids: list[int] | None = None) -> list[core.Seat]:
    tz = configured_tz()
    qs = Enrolment.objects.filter(**periods.lookups("session__starts_at", date_from, date_to, tz))
    if agent_ids is not None:
        qs = qs.filter(agent_id__in=agent_ids)
    rows = qs.values_list(
        "agent_id", "attendance", "session__status", "session__starts_at", "session__ends_at"
    )
    return [
        core.Seat(
            agent,
            attendance,
            status,
            (ends - starts).total_seconds() / 3600,
            timezone.localtime(starts, tz).date(),
        )
        for agent, attendance, status, starts, ends in rows.iterator(chunk_size=5000)
    ]


def summary(date_from: date, date_to: date, *, now: datetime | None = None) -> core.Summary:
    """Coverage, attendance and hours per person of the sessions of the period; planned
    counts the sessions due by `now` (default: now)."""
    now = now or timezone.now()
    due = sessions_in(date_from, date_to).filter(starts_at__lte=now)
    sessions = [
        core.Session(status, (ends - starts).total_seconds() / 3600)
        for status, starts, ends in due.values_list("status", "starts_at", "ends_at")
    ]
    return core.summarize(sessions, seats(date_from, date_to))


def absences_by_agent(quarter: str) -> dict[int, int]:
    """Agent id → absences in the quarter ("2024-Q3"), agents with at least one."""
    start, end = core.quarter_bounds(quarter)
    return {agent: n for (agent, _), n in core.absences(seats(start, end)).items()}


def absences(agent: Agent | int, quarter: str) -> int:
    agent_id = agent if isinstance(agent, int) else agent.pk
    start, end = core.quarter_bounds(quarter)
    found = core.absences(seats(start, end, agent_ids=[agent_id]))
    return found.get((agent_id, quarter), 0)


def absence_penalty(agent: Agent | int, quarter: str | date) -> float:
    """The share (0–1) by which the agent's development score of the performance review
    is lowered for the quarter: TrainingSettings.absence_penalty_percent when the
    agent's absences exceed TrainingSettings.absence_limit, else 0."""
    label = core.quarter_of(quarter) if isinstance(quarter, date) else quarter
    rules = TrainingSettings.current()
    return core.absence_penalty(
        absences(agent, label), rules.absence_limit, rules.absence_penalty_percent
    )


def over_limit(quarter: str) -> list[tuple[int, int]]:
    """(agent id, absences) of the agents above the absence limit in the quarter."""
    limit = TrainingSettings.current().absence_limit
    found = absences_by_agent(quarter)
    return sorted(((a, n) for a, n in found.items() if n > limit), key=lambda r: (-r[1], r[0]))


def absence_penalties(quarter: str) -> dict[int, float]:
    """Agent id → the development cut (0–1) of every agent penalised in the quarter (the
    same rule as `absence_penalty`, for all agents in one read)."""
    rules = TrainingSettings.current()
    penalties = {
        agent: core.absence_penalty(n, rules.absence_limit, rules.absence_penalty_percent)
        for agent, n in absences_by_agent(quarter).items()
    }
    return {agent: cut for agent, cut in penalties.items() if cut}
