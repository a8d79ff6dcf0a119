"""Building a roster, the work of the background task (`tasks.build_roster_task`) and of
`kefu wfm roster`: forecast and requirement, CP-SAT, predicted service, saved.

The Roster row is the build's record: a worker claims it (queued → running), beats its
heartbeat at each phase, and ends it done (with the solver's outcome) or failed (with the
error). A build is all-or-nothing (the assignments are written in one transaction), so
building a failed or stalled roster again simply starts over.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from kefu.audit.actions import record as audit
from kefu.audit.models import AuditAction
from kefu.workforce import selectors
from kefu.workforce.choices import BuildPhase, BuildStatus
from kefu.workforce.core import prediction
from kefu.workforce.core.roster import RosterProblem, RosterResult, solve
from kefu.workforce.models import Roster, RosterAssignment

log = logging.getLogger(__name__)

DEFAULT_TIME_LIMIT_S = 25.0


def time_limit_s() -> float:
    """The solver's time limit: setting KEFU_WFM_ROSTER_TIME_LIMIT_S, else 25 s."""
    return float(getattr(settings, "KEFU_WFM_ROSTER_TIME_LIMIT_S", DEFAULT_TIME_LIMIT_S))


def check_inputs() -> None:
    """The cheap preconditions, checked before a build is queued (a person is waiting)."""
    if not selectors.core_templates():
        raise ValidationError(_("Add at least one shift template first."), code="templates")
    if not selectors.parameters():
        raise ValidationError(_("Set the staffing parameters of a channel first."), code="params")


def _claim(roster: Roster) -> bool:
    """Take the roster for this worker unless another live worker has it or it is over.
    The update matches the state read, so two workers cannot both take it."""
    if roster.status in (BuildStatus.DONE, BuildStatus.FAILED):
        return False  # delivered twice: the first delivery decided
    if roster.status == BuildStatus.RUNNING and not roster.is_stalled:
        return False
    now = timezone.now()
    taken = Roster.objects.filter(
        pk=roster.pk, status=roster.status, heartbeat_at=roster.heartbeat_at
    ).update(
        status=BuildStatus.RUNNING,
        phase=BuildPhase.PLAN,
        started_at=now,
        heartbeat_at=now,
        finished_at=None,
        error="",
    )
    return taken == 1


def _error_text(exc: Exception) -> str:
    """What the page shows. A ValidationError keeps its English msgid (the page
    translates it for the reader); anything else is a technical message."""
    if isinstance(exc, ValidationError):
        with translation.override(None):
            return " ".join(str(m) for m in exc.messages)[:2000]
    return f"{type(exc).__name__}: {exc}"[:2000]


def execute_build(roster_id: int) -> Roster | None:
    """Build the roster of row `roster_id` if it is there to be built. Marks it failed on
    an error: a person's mistake (no agent can be scheduled) ends quietly, anything else
    is re-raised for the task's log."""
    roster = Roster.objects.filter(pk=roster_id).first()
    if roster is None:
        log.warning("roster %s vanished before it was built", roster_id)
        return None
    if not _claim(roster):
        roster.refresh_from_db()
        return roster
    rows = Roster.objects.filter(pk=roster_id)

    def beat(phase: str) -> None:
        rows.update(phase=phase, heartbeat_at=timezone.now())

    try:
        _build(roster, beat)
    except Exception as exc:
        rows.update(status=BuildStatus.FAILED, error=_error_text(exc), finished_at=timezone.now())
        roster.refresh_from_db()
        if isinstance(exc, ValidationError):
            return roster
        log.exception("building roster %s failed", roster_id)
        raise
    roster.refresh_from_db()
    return roster


def _build(roster: Roster, beat: Callable[[str], None]) -> None:
    week_start = roster.week_start
    check_inputs()
    templates = selectors.core_templates()
    plans = selectors.week_plan(week_start)
    agents, by_key = selectors.roster_agents(before=week_start)
    if not agents:
        raise ValidationError(_("No agent can be scheduled."), code="agents")
    problem = RosterProblem(
        requirement={c: p.requirement["positions"] for c, p in plans.items()},
        agents=agents,
        templates=templates,
        intervals_per_day=selectors.PER_DAY,
        time_limit_s=roster.time_limit_s,
    )
    result = solve(problem, on_stage=beat)  # the stages are BuildPhase.COUNTS / ASSIGN
    beat(BuildPhase.SAVE)
    params = selectors.parameters()
    channels = {}
    for channel, plan in plans.items():
        predicted = prediction.predict(result.scheduled[channel], plan.forecast, params[channel])
        channels[channel] = {
            "forecast": plan.forecast,
            "requirement": plan.requirement["positions"],
            "raw": plan.requirement["raw_positions"],
            "scheduled": result.scheduled[channel],
            "gap": result.gap[channel],
            "predicted": predicted,
            "parameters": asdict(params[channel]),
        }
    _save(roster, result, channels, by_key)


def _save(roster: Roster, result: RosterResult, channels: dict, by_key: dict) -> None:
    start, _end = selectors.week_bounds(roster.week_start)
    step = timedelta(minutes=selectors.INTERVAL_MIN)

    def at(index: int) -> datetime:
        return start + index * step

    with transaction.atomic():
        roster.assignments.all().delete()  # none unless an earlier attempt died mid-way
        RosterAssignment.objects.bulk_create(
            RosterAssignment(
                roster=roster,
                agent=by_key[s.agent],
                day=roster.week_start + timedelta(days=s.day),
                template=s.template,
                channel=s.channel,
                start=at(s.start),
                end=at(s.end),
                break_start=at(s.break_start) if s.break_start is not None else None,
                break_end=at(s.break_start + s.break_length) if s.break_start is not None else None,
            )
            for s in result.shifts
        )
        Roster.objects.filter(pk=roster.pk).update(
            status=BuildStatus.DONE,
            phase="",
            solver_status=result.status,
            agents_used=result.agents_used,
            wall_s=round(result.wall_s, 2),
            plan={
                "channels": channels,
                "short_intervals": result.short_intervals,
                "stages": result.stages,
            },
            heartbeat_at=timezone.now(),
            finished_at=timezone.now(),
        )
        audit(
            AuditAction.CHANGE_SETTINGS,
            user=roster.created_by,
            object_type="workforce.roster",
            object_id=str(roster.pk),
            detail={
                "built": str(roster.week_start),
                "status": result.status,
                "agents": result.agents_used,
            },
        )
