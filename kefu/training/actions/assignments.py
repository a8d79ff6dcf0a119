"""Writes of the QA → lesson loop: assignment rules, running them, assigning by hand,
completing and cancelling assignments.

A rule run (`run_rules`) is idempotent: an agent with an open assignment of the rule is
skipped (a partial unique constraint also refuses a second one), and hits up to the day
the agent last completed the rule's lesson do not count again (kefu/training/core/
assigning.py). It runs after every QA scoring pass (kefu/training/receivers.py) and from
`kefu training assign`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_noop

from kefu.accounts import access
from kefu.accounts.models import Agent
from kefu.accounts.roles import MANAGE_TRAINING
from kefu.lib.errors import Conflict, Invalid, NotAllowed
from kefu.lib.localtime import configured_tz
from kefu.notifications.actions import notify
from kefu.qa.core.figures import localized
from kefu.qa.models import Indicator, QaHit, QaResult, ScorecardVersion
from kefu.qa.store import default_version
from kefu.training.actions._checks import require_trainer
from kefu.training.choices import AssignmentSource, AssignmentStatus
from kefu.training.core import assigning
from kefu.training.models import (
    Assignment,
    AssignmentRule,
    Course,
    Lesson,
    LessonProgress,
)

log = logging.getLogger(__name__)
ASSIGN = "assign"  # the access action: trainers any agent, supervisors their teams'
MAX_DUE_DAYS = 365
MAX_NOTE = 2000


def may_assign(user) -> bool:
    """Whether the user may assign lessons to anyone: trainers (any agent) and supervisors
    (their teams'); the access layer's "assign" rule then decides each row."""
    return bool(
        user.is_authenticated
        and (user.has_perm(MANAGE_TRAINING) or access.supervised_team_ids(user))
    )


# --- rules ------------------------------------------------------------------------------------
def scorecard_items(lang: str | None = None) -> dict[str, str]:
    """Item id → name (in `lang`), of the default scorecard's current version."""
    version = default_version()
    out: dict[str, str] = {}
    for section in (version.definition or {}).get("sections", []):
        for item in section.get("items", []):
            out[item["id"]] = localized(item.get("name"), lang, item["id"])
    return out


def _int(data: Mapping[str, Any], key: str, default: int, low: int, high: int) -> int:
    value = data.get(key, default)
    try:
        value = int(value)
    except (TypeError, ValueError):
        raise Invalid(gettext_noop("Counts and days must be whole numbers.")) from None
    if not low <= value <= high:
        raise Invalid(gettext_noop("A count or number of days is out of range."))
    return value


@transaction.atomic
def save_rule(
    data: Mapping[str, Any], *, user, rule: AssignmentRule | None = None
) -> AssignmentRule:
    """Create or change a rule: name, indicator (a QA indicator id) or scorecard_item (an
    item of the default scorecard), min_hits, window_days, course, lesson (of that course,
    or None: the whole course), due_days, active."""
    require_trainer(user)
    rule = rule or AssignmentRule(created_by=user)
    rule.name = str(data.get("name", rule.name) or "").strip()[:120]
    if not rule.name:
        raise Invalid(gettext_noop("A name is required."))
    rule.indicator = str(data.get("indicator", rule.indicator) or "").strip()
    rule.scorecard_item = str(data.get("scorecard_item", rule.scorecard_item) or "").strip()
    if bool(rule.indicator) == bool(rule.scorecard_item):
        raise Invalid(gettext_noop("Choose either a QA indicator or a scorecard item."))
    if rule.indicator and not Indicator.objects.filter(key=rule.indicator).exists():
        raise Invalid(gettext_noop("Unknown QA indicator."))
    if rule.scorecard_item and rule.scorecard_item not in scorecard_items():
        raise Invalid(gettext_noop("Unknown scorecard item."))
    rule.min_hits = _int(data, "min_hits", rule.min_hits, 1, 1000)
    rule.window_days = _int(data, "window_days", rule.window_days, 1, 365)
    rule.due_days = _int(data, "due_days", rule.due_days, 1, MAX_DUE_DAYS)
    course = data.get("course", rule.course if rule.course_id else None)
    if not isinstance(course, Course):
        raise Invalid(gettext_noop("Choose a course."))
    lesson = data.get("lesson", rule.lesson)
    if lesson is not None and lesson.course_id != course.pk:
        raise Invalid(gettext_noop("The lesson belongs to another course."))
    if lesson is None and not course.lessons.exists():
        raise Invalid(gettext_noop("The course has no lessons yet."))
    rule.course, rule.lesson = course, lesson
    rule.active = bool(data.get("active", rule.active))
    rule.save()
    return rule


# --- running rules ------------------------------------------------------------------------------
def item_indicators(item: str) -> set[str]:
    """The indicators behind scorecard item `item`, in any version of any scorecard (a
    result fails the item only when one of them fired)."""
    out: set[str] = set()
    for definition in ScorecardVersion.objects.values_list("definition", flat=True):
        for section in (definition or {}).get("sections", []):
            for entry in section.get("items", []):
                if entry.get("id") == item:
                    out.update(entry.get("indicators") or [])
    return out


def rule_hits(rule: AssignmentRule, first: date, last: date, agent_ids=None) -> list[tuple]:
    """(agent id, day) per conversation of the window with a hit of the rule's indicator
    (or failing its scorecard item), current QA results only."""
    if rule.indicator:
        qs = QaHit.objects.filter(
            is_current=True, indicator=rule.indicator, day__gte=first, day__lte=last
        ).exclude(agent_id=None)
        if agent_ids is not None:
            qs = qs.filter(agent_id__in=list(agent_ids))
        return list(qs.order_by().values_list("agent_id", "day"))
    # Only results with a hit of one of the item's indicators can fail it: read those.
    hits = QaHit.objects.filter(
        is_current=True,
        indicator__in=item_indicators(rule.scorecard_item),
        day__gte=first,
        day__lte=last,
    ).exclude(agent_id=None)
    if agent_ids is not None:
        hits = hits.filter(agent_id__in=list(agent_ids))
    qs = QaResult.objects.filter(pk__in=hits.values("result_id"))
    return [
        (agent, day)
        for agent, day, items in qs.order_by().values_list("agent_id", "day", "items")
        if assigning.fails_item(items or [], rule.scorecard_item)
    ]


def _moment(today: date | None) -> datetime:
    """When a run on `today` assigns: now, or the end of that past day (back-filling)."""
    now = timezone.now()
    if today is None or today >= timezone.localdate(now):
        return now
    return datetime.combine(today, time(18, 0), tzinfo=configured_tz())


def run_rule(
    rule: AssignmentRule, *, today: date | None = None, agent_ids: Iterable[int] | None = None
) -> list[Assignment]:
    """Assign the rule's lesson to every agent due it on `today` (default: today)."""
    at = _moment(today)
    day = timezone.localdate(at) if today is None else today
    first, last = assigning.window(day, rule.window_days)
    agent_ids = None if agent_ids is None else set(agent_ids)
    hits = rule_hits(rule, first, last, agent_ids)
    if not hits:
        return []
    mine = Assignment.objects.filter(rule=rule, agent_id__in={a for a, _ in hits})
    open_agents = mine.filter(status=AssignmentStatus.OPEN).values_list("agent_id", flat=True)
    completed = {
        agent: timezone.localdate(done)
        for agent, done in mine.filter(status=AssignmentStatus.COMPLETED)
        .values("agent_id")
        .annotate(done=Max("completed_at"))
        .values_list("agent_id", "done")
        if done is not None
    }
    counts = assigning.counted_hits(hits, first, last, completed)
    rows = [
        Assignment(
            agent_id=agent_id,
            course_id=rule.course_id,
            lesson_id=rule.lesson_id,
            rule=rule,
            source=AssignmentSource.RULE,
            hits=counts[agent_id],
            assigned_at=at,
            due_at=at + timedelta(days=rule.due_days),
        )
        for agent_id in assigning.due(counts, rule.min_hits, open_agents)
    ]
    try:
        with transaction.atomic():
            created = Assignment.objects.bulk_create(rows)
    except IntegrityError:  # a concurrent run assigned some of them first: one by one
        created = []
        for row in rows:
            try:
                with transaction.atomic():
                    row.save(force_insert=True)
                created.append(row)
            except IntegrityError:
                continue
    _notify(created)
    return created


def run_rules(
    *, today: date | None = None, agent_ids: Iterable[int] | None = None
) -> dict[AssignmentRule, list[Assignment]]:
    """Run every active rule (for these agents only, when given)."""
    agent_ids = None if agent_ids is None else set(agent_ids)
    if agent_ids is not None and not agent_ids:
        return {}
    rules = AssignmentRule.objects.filter(active=True).select_related("course", "lesson")
    return {rule: run_rule(rule, today=today, agent_ids=agent_ids) for rule in rules}


def _notify(assignments: list[Assignment]) -> None:
    if not assignments:
        return
    users = dict(
        Agent.objects.filter(pk__in={a.agent_id for a in assignments}, user__isnull=False)
        .values_list("pk", "user_id")
    )  # fmt: skip
    for a in assignments:
        if a.agent_id in users:
            notify(
                [users[a.agent_id]],
                "training.assigned",
                gettext_noop("New lesson assigned: %(course)s"),
                url=reverse("training:assignment", args=[a.pk]),
                params={"course": a.course.title if a.course_id else ""},
            )


# --- by hand ---------------------------------------------------------------------------
@transaction.atomic
def assign(
    agent: Agent,
    course: Course,
    lesson: Lesson | None = None,
    *,
    user,
    due_days: int = 7,
    review=None,
    note: str = "",
) -> Assignment:
    """A trainer (any agent) or a supervisor (their teams' agents) assigns a lesson or a
    course by hand, from a review or the agent's record."""
    if lesson is not None and lesson.course_id != course.pk:
        raise Invalid(gettext_noop("The lesson belongs to another course."))
    if lesson is None and not course.lessons.exists():
        raise Invalid(gettext_noop("The course has no lessons yet."))
    if not 1 <= int(due_days) <= MAX_DUE_DAYS:
        raise Invalid(gettext_noop("The due date must be 1 to 365 days away."))
    if review is not None and review.agent_id != agent.pk:
        raise Invalid(gettext_noop("The review is of another agent."))
    duplicate = Assignment.objects.filter(
        agent=agent, course=course, lesson=lesson, status=AssignmentStatus.OPEN
    )
    if duplicate.exists():
        raise Conflict(gettext_noop("The agent already has this lesson open."))
    now = timezone.now()
    assignment = Assignment.objects.create(
        agent=agent,
        course=course,
        lesson=lesson,
        source=AssignmentSource.REVIEW if review is not None else AssignmentSource.MANUAL,
        review=review,
        note=str(note or "")[:MAX_NOTE],
        assigned_by=user,
        assigned_at=now,
        due_at=now + timedelta(days=int(due_days)),
    )
    # Who may assign to whom is the access layer's "assign" rule on the new row (trainers:
    # any agent; supervisors: their teams'): outside it, nothing was written.
    if not access.restrict(Assignment.objects.filter(pk=assignment.pk), user, ASSIGN).exists():
        raise NotAllowed(gettext_noop("You may not assign lessons to this agent."))
    _notify([assignment])
    return assignment


# --- completing ----------------------------------------------------------------------------------
def lesson_ids(assignment: Assignment) -> list[int]:
    """The lessons an assignment asks for: its lesson, or every lesson of its course."""
    if assignment.lesson_id:
        return [assignment.lesson_id]
    return list(Lesson.objects.filter(course_id=assignment.course_id).values_list("pk", flat=True))


def done_lessons(assignment: Assignment) -> set[int]:
    """The assignment's lessons the agent completed since it was assigned (a lesson read
    before, for an earlier assignment, is to be taken again)."""
    return set(
        LessonProgress.objects.filter(
            agent_id=assignment.agent_id,
            lesson_id__in=lesson_ids(assignment),
            completed_at__gte=assignment.assigned_at,
        ).values_list("lesson_id", flat=True)
    )


def complete_finished(agent_id: int) -> list[Assignment]:
    """Complete the agent's open assignments whose lessons are all completed since they
    were assigned."""
    finished = []
    for assignment in Assignment.objects.filter(agent_id=agent_id, status=AssignmentStatus.OPEN):
        needed = lesson_ids(assignment)
        if needed and set(needed) <= done_lessons(assignment):
            finished.append(assignment)
    now = timezone.now()
    for assignment in finished:
        assignment.status = AssignmentStatus.COMPLETED
        assignment.completed_at = now
        assignment.save(update_fields=["status", "completed_at"])
    return finished


@transaction.atomic
def complete_assignment(assignment: Assignment, *, user) -> Assignment:
    """The agent completes every lesson of their own open assignment at once (the API;
    the pages complete one lesson at a time)."""
    agent_id = access.own_agent_id(user)
    if agent_id is None or agent_id != assignment.agent_id:
        raise NotAllowed(gettext_noop("Only the agent completes their assignment."))
    if assignment.status != AssignmentStatus.OPEN:
        raise Conflict(gettext_noop("The assignment is not open."))
    now = timezone.now()
    LessonProgress.objects.bulk_create(
        [LessonProgress(agent_id=agent_id, lesson_id=pk, completed_at=now)
         for pk in lesson_ids(assignment)],
        update_conflicts=True,
        unique_fields=["agent", "lesson"],
        update_fields=["completed_at"],
    )  # fmt: skip
    complete_finished(agent_id)
    assignment.refresh_from_db()
    return assignment


@transaction.atomic
def cancel(assignment: Assignment, *, user) -> Assignment:
    """Withdraw an open assignment (whoever may assign it)."""
    if not access.restrict(Assignment.objects.filter(pk=assignment.pk), user, ASSIGN).exists():
        raise NotAllowed(gettext_noop("You may not change this assignment."))
    if assignment.status != AssignmentStatus.OPEN:
        raise Conflict(gettext_noop("Only open assignments can be cancelled."))
    assignment.status = AssignmentStatus.CANCELLED
    assignment.save(update_fields=["status"])
    return assignment
