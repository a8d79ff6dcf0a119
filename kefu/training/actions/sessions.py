"""Writes of sessions: scheduling, status, enrolment (by agent, team, tier or rule, within
the capacity), attendance marked by the trainer, check-in by the agent with the session
code, and the training settings.

A session at which attendance was recorded (marked by the trainer or a check-in) took
place: a planned session becomes held then. Cancelling is refused once attendance exists.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from kefu.accounts.access import own_agent_id
from kefu.accounts.choices import Tier
from kefu.accounts.models import Agent, Team
from kefu.audit.actions import record as audit
from kefu.audit.models import AuditAction
from kefu.lib.errors import Conflict, Invalid, NotAllowed, NotFound
from kefu.training.actions._checks import require_trainer
from kefu.training.choices import Attendance, CourseKind, EnrolmentSource, SessionStatus
from kefu.training.models import Course, Enrolment, TrainingSession, TrainingSettings

CHECK_IN_OPENS = timedelta(minutes=30)  # before the start; it closes at the end
WRONG_CODES_ALLOWED = 5  # per enrolment and …
WRONG_CODES_WINDOW_S = 600  # … ten minutes
MAX_TEXT = 200
MARKS = (Attendance.ATTENDED, Attendance.ABSENT, Attendance.EXCUSED, Attendance.ENROLLED)


# --- sessions ---------------------------------------------------------------------------------
def _aware(value: Any, what: str) -> datetime:
    if not isinstance(value, datetime):
        raise Invalid(gettext_noop("Start and end must be dates with a time."))
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


@transaction.atomic
def save_session(
    data: Mapping[str, Any], *, user, session: TrainingSession | None = None
) -> TrainingSession:
    """Create or change a session: title, course (or None), kind, starts_at, ends_at,
    instructor (a user or None), place, link, capacity (None: unlimited)."""
    require_trainer(user)
    session = session or TrainingSession()
    title = str(data.get("title", session.title) or "").strip()
    course = data.get("course", session.course if session.course_id else None)
    if course is not None and not isinstance(course, Course):
        raise Invalid(gettext_noop("Unknown course."))
    if not title and course is not None:
        title = course.title
    if not title:
        raise Invalid(gettext_noop("A title is required."))
    session.title, session.course = title[:MAX_TEXT], course
    kind = data.get("kind") or (course.kind if course is not None else session.kind)
    if kind not in CourseKind.values:
        raise Invalid(gettext_noop("Unknown kind of course."))
    session.kind = kind
    starts = _aware(data.get("starts_at", session.starts_at), "starts_at")
    ends = _aware(data.get("ends_at", session.ends_at), "ends_at")
    if ends <= starts:
        raise Invalid(gettext_noop("The session must end after it starts."))
    if ends - starts > timedelta(hours=12):
        raise Invalid(gettext_noop("A session lasts at most 12 hours."))
    session.starts_at, session.ends_at = starts, ends
    instructor = data.get("instructor", session.instructor)
    if instructor is not None and not isinstance(instructor, get_user_model()):
        raise Invalid(gettext_noop("Unknown instructor."))
    session.instructor = instructor
    session.place = str(data.get("place", session.place) or "").strip()[:MAX_TEXT]
    session.link = str(data.get("link", session.link) or "").strip()[:MAX_TEXT]
    if session.link and not session.link.lower().startswith(("https://", "http://")):
        raise Invalid(gettext_noop("The link must start with http:// or https://."))
    capacity = data.get("capacity", session.capacity)
    if capacity in ("", None):
        capacity = None
    else:
        try:
            capacity = int(capacity)
        except (TypeError, ValueError):
            raise Invalid(gettext_noop("The capacity must be a whole number.")) from None
        if capacity < 1:
            raise Invalid(gettext_noop("The capacity must be at least 1."))
        if session.pk:
            taken = session.enrolments.count()
            if capacity < taken:
                raise Conflict(
                    gettext("%(taken)s agents are enrolled: the capacity cannot be lower.")
                    % {"taken": taken}
                )
    session.capacity = capacity
    session.save()
    return session


@transaction.atomic
def set_status(session: TrainingSession, status: str, *, user) -> TrainingSession:
    require_trainer(user)
    if status not in SessionStatus.values:
        raise Invalid(gettext_noop("Unknown status."))
    if status == SessionStatus.HELD and session.starts_at > timezone.now():
        raise Conflict(gettext_noop("A session that has not started cannot be held."))
    if (
        status == SessionStatus.CANCELLED
        and session.enrolments.exclude(attendance=Attendance.ENROLLED).exists()
    ):
        raise Conflict(gettext_noop("Attendance was recorded: the session took place."))
    session.status = status
    session.save(update_fields=["status"])
    return session


# --- enrolment ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Enrolled:
    added: int
    already: int


def agents_for(
    *,
    agents: Iterable[Agent] = (),
    team: Team | None = None,
    tier: str = "",
    hired_within_days: int | None = None,
    on: date | None = None,
) -> tuple[QuerySet[Agent], str]:
    """The agents a choice names, and the enrolment source to record: by hand (agents), a
    team, a tier, or the rule "hired within the last N days" (counted back from `on`)."""
    if hired_within_days is not None:
        if not 1 <= hired_within_days <= 3650:
            raise Invalid(gettext_noop("The number of days must be between 1 and 3650."))
        since = (on or timezone.localdate()) - timedelta(days=hired_within_days)
        return Agent.objects.filter(hired_on__gte=since), EnrolmentSource.RULE
    if team is not None:
        return Agent.objects.filter(team=team), EnrolmentSource.TEAM
    if tier:
        if tier not in Tier.values:
            raise Invalid(gettext_noop("Unknown tier."))
        return Agent.objects.filter(tier=tier), EnrolmentSource.TIER
    ids = [a.pk for a in agents]
    return Agent.objects.filter(pk__in=ids), EnrolmentSource.MANUAL


@transaction.atomic
def enrol(
    session: TrainingSession, agents: QuerySet[Agent], *, user, source: str = "manual"
) -> Enrolled:
    """Enrol these agents (those already enrolled are left as they are). Refused as a
    whole when it would exceed the capacity, or when the session is over or cancelled."""
    require_trainer(user)
    session = TrainingSession.objects.select_for_update().get(pk=session.pk)
    if session.status != SessionStatus.PLANNED:
        raise Conflict(gettext_noop("Only planned sessions take enrolments."))
    if source not in EnrolmentSource.values:
        raise Invalid(gettext_noop("Unknown enrolment source."))
    wanted = set(agents.values_list("pk", flat=True))
    if not wanted:
        raise Invalid(gettext_noop("No agent matches this choice."))
    have = set(session.enrolments.values_list("agent_id", flat=True))
    new = wanted - have
    if session.capacity is not None and len(have) + len(new) > session.capacity:
        raise Conflict(
            gettext(
                "The session has %(capacity)s places and %(taken)s are taken: "
                "%(asked)s more do not fit. Nobody was enrolled."
            )
            % {"capacity": session.capacity, "taken": len(have), "asked": len(new)}
        )
    Enrolment.objects.bulk_create(
        Enrolment(session=session, agent_id=pk, source=source) for pk in sorted(new)
    )
    return Enrolled(len(new), len(wanted & have))


@transaction.atomic
def unenrol(enrolment: Enrolment, *, user) -> None:
    require_trainer(user)
    if enrolment.attendance != Attendance.ENROLLED:
        raise Conflict(gettext_noop("Attendance was recorded: the enrolment stays."))
    enrolment.delete()


# --- attendance -----------------------------------------------------------------------------------
def _took_place(session: TrainingSession) -> None:
    if session.status == SessionStatus.PLANNED:
        session.status = SessionStatus.HELD
        session.save(update_fields=["status"])


@transaction.atomic
def mark_attendance(session: TrainingSession, marks: Mapping[int, str], *, user) -> int:
    """The trainer marks enrolments (enrolment id → attended | absent | excused |
    enrolled); returns how many changed. From 30 minutes before the start (when check-in
    opens); never for a cancelled session."""
    require_trainer(user)
    if session.status == SessionStatus.CANCELLED:
        raise Conflict(gettext_noop("The session was cancelled."))
    if session.starts_at - CHECK_IN_OPENS > timezone.now():
        raise Conflict(gettext_noop("Attendance can be marked from 30 minutes before the start."))
    if any(mark not in MARKS for mark in marks.values()):
        raise Invalid(gettext_noop("Unknown attendance mark."))
    rows = {e.pk: e for e in session.enrolments.filter(pk__in=list(marks))}
    if len(rows) != len(set(marks)):
        raise NotFound(gettext_noop("An enrolment is not of this session."))
    now, changed = timezone.now(), 0
    for pk, mark in marks.items():
        enrolment = rows[pk]
        if enrolment.attendance == mark:
            continue
        enrolment.attendance = mark
        enrolment.checked_in_at = now if mark == Attendance.ATTENDED else None
        enrolment.checked_in_by = user if mark != Attendance.ENROLLED else None
        enrolment.save(update_fields=["attendance", "checked_in_at", "checked_in_by"])
        changed += 1
    if any(m != Attendance.ENROLLED for m in marks.values()):
        _took_place(session)
    return changed


def check_in_open(session: TrainingSession, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    return (
        session.status != SessionStatus.CANCELLED
        and session.starts_at - CHECK_IN_OPENS <= now <= session.ends_at
    )


@transaction.atomic
def check_in(session: TrainingSession, code: str, *, user) -> Enrolment:
    """The signed-in agent checks in with the code shown in the room: only when enrolled,
    from 30 minutes before the start to the end, with the right code (a few wrong tries
    per ten minutes)."""
    agent_id = own_agent_id(user)
    if agent_id is None:
        raise NotAllowed(gettext_noop("Only agents check in."))
    enrolment = (
        Enrolment.objects.select_for_update().filter(session=session, agent_id=agent_id).first()
    )
    if enrolment is None:
        raise NotAllowed(gettext_noop("You are not enrolled in this session."))
    if not check_in_open(session):
        raise Conflict(
            gettext_noop("Check-in is open from 30 minutes before the start to the end.")
        )
    key = f"kefu:training:wrong-code:{enrolment.pk}"
    if (cache.get(key) or 0) >= WRONG_CODES_ALLOWED:
        raise Conflict(gettext_noop("Too many wrong codes: ask the trainer to mark you."))
    if not hmac.compare_digest(str(code or "").strip().encode(), session.code.encode()):
        cache.add(key, 0, WRONG_CODES_WINDOW_S)
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, 1, WRONG_CODES_WINDOW_S)
        raise Invalid(gettext_noop("Wrong session code."))
    if enrolment.attendance != Attendance.ATTENDED:
        enrolment.attendance = Attendance.ATTENDED
        enrolment.checked_in_at = timezone.now()
        enrolment.checked_in_by = user
        enrolment.save(update_fields=["attendance", "checked_in_at", "checked_in_by"])
    _took_place(session)
    return enrolment


# --- settings --------------------------------------------------------------------------
SETTINGS_FIELDS = {
    "absence_limit": (0, 100),
    "absence_penalty_percent": (0, 100),
    "pass_score": (1, 100),
    "certificate_valid_days": (1, 3650),
    "expiry_reminder_days": (0, 365),
}


@transaction.atomic
def save_settings(data: Mapping[str, Any], *, user) -> TrainingSettings:
    require_trainer(user)
    row = TrainingSettings.current()
    old = {f: getattr(row, f) for f in SETTINGS_FIELDS}
    for field, (low, high) in SETTINGS_FIELDS.items():
        if field not in data:
            continue
        try:
            value = int(data[field])
        except (TypeError, ValueError):
            raise Invalid(gettext_noop("Settings must be whole numbers.")) from None
        if not low <= value <= high:
            raise Invalid(gettext_noop("A setting is out of range."))
        setattr(row, field, value)
    row.updated_by = user
    row.save()
    audit(
        AuditAction.CHANGE_SETTINGS,
        user=user,
        object_type="training.settings",
        object_id=str(row.pk),
        detail={"old": old, "new": {f: getattr(row, f) for f in SETTINGS_FIELDS}},
    )
    return row
