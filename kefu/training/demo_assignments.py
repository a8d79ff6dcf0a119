"""Demo QA → lesson loop (called by `kefu demo` after the QA scoring of the demo year and
demo_courses; idempotent): three assignment rules run through the real rule code twice
a month over the year, as if after each scoring; most agents take their lesson within
the due days (lesson progress and completion simulated), some late, a few never (left
open, overdue); the demo supervisor assigns one lesson from a review by hand. Each rule's
effect (kefu/training/effect.py) is then visible against its comparison group."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from kefu.accounts.models import Agent
from kefu.lib.localtime import configured_tz
from kefu.reviews.models import Review
from kefu.training.actions.assignments import lesson_ids, run_rule
from kefu.training.choices import AssignmentSource, AssignmentStatus
from kefu.training.demo_courses import demo as demo_courses
from kefu.training.models import Assignment, AssignmentRule, LessonProgress

# (name, indicator, scorecard item, min hits, window days, course key, lesson index, due days)
RULES = (
    (
        "未主动确认客户需求（30 天 ≥ 6 次）",
        "no_need_confirmation",
        "",
        6,
        30,
        "confirm_need",
        None,
        7,
    ),
    ("服务禁语（30 天 ≥ 2 次）", "forbidden_phrase", "", 2, 30, "taboo", 1, 5),
    (
        "首次响应超 30 秒（30 天 ≥ 5 次扣分）",
        "",
        "first_response",
        5,
        30,
        "first_response",
        None,
        7,
    ),
)
COMPLETE_SHARE = 0.9  # of assignments taken at all; the rest stay open (overdue)
LATE_SHARE = 0.15  # of the taken ones: after the due date


def _run_days(year: int) -> list[date]:
    return [date(year, m, d) for m in range(2, 13) for d in (1, 15)] + [date(year, 12, 31)]


@transaction.atomic
def demo(seed: int = 42, *, year: int = 2024) -> dict[str, Any]:
    """Create the rules (replacing the demo's earlier ones) and a year of assignments;
    returns counts per status."""
    rng = random.Random(seed * 7 + year)
    courses = demo_courses(seed, year=year)
    tz = configured_tz()
    trainer = get_user_model().objects.filter(username="trainer").first()
    AssignmentRule.objects.filter(name__in=[r[0] for r in RULES]).delete()
    Assignment.objects.filter(source=AssignmentSource.RULE, rule__isnull=True).delete()
    rules = []
    for name, indicator, item, hits, days, key, lesson_index, due in RULES:
        course = courses[key]
        lessons = list(course.lessons.order_by("position"))
        rules.append(
            AssignmentRule.objects.create(
                name=name,
                indicator=indicator,
                scorecard_item=item,
                min_hits=hits,
                window_days=days,
                course=course,
                due_days=due,
                created_by=trainer,
                lesson=lessons[lesson_index] if lesson_index is not None else None,
            )
        )
    # Each assignment's fate is drawn when it is made; it completes before a later run
    # sees it (so the rule does not assign it again while open).
    fate: dict[int, datetime | None] = {}
    for day in _run_days(year):
        _complete_due(fate, datetime.combine(day, time(0, 0), tzinfo=tz))
        for rule in rules:
            for a in run_rule(rule, today=day):
                if rng.random() > COMPLETE_SHARE:
                    fate[a.pk] = None
                    continue
                late = rng.random() < LATE_SHARE
                delay = (
                    rng.uniform(1, rule.due_days - 0.5)
                    if not late
                    else rng.uniform(rule.due_days, rule.due_days + 10)
                )
                fate[a.pk] = a.assigned_at + timedelta(days=delay)
    _complete_due(fate, datetime.combine(date(year + 1, 1, 15), time(0, 0), tzinfo=tz))
    _by_hand(courses, trainer)
    counts: dict[str, int] = {}
    for status in Assignment.objects.filter(rule__in=rules).values_list("status", flat=True):
        counts[status] = counts.get(status, 0) + 1
    return {"rules": len(rules), "assignments": counts}


def _by_hand(courses: dict, trainer) -> None:
    """The demo supervisor assigned a lesson from a failed review of their team (taken
    three days later); the demo agent has a lesson from the trainer open now."""
    users = get_user_model().objects
    supervisor = users.filter(username="supervisor").first()
    review = (
        Review.objects.filter(
            team__supervisors=supervisor, status="submitted", passed=False, agent__isnull=False
        )
        .order_by("-submitted_at", "-pk")
        .first()
        if supervisor is not None
        else None
    )
    if review is not None and not Assignment.objects.filter(review=review).exists():
        at = (review.submitted_at or timezone.now()) + timedelta(hours=2)
        a = Assignment.objects.create(
            agent=review.agent,
            course=courses["confirm_need"],
            source=AssignmentSource.REVIEW,
            review=review,
            assigned_by=supervisor,
            assigned_at=at,
            due_at=at + timedelta(days=7),
            note="复核发现未确认客户需求，请学习后在下周会话中练习复述。",
        )
        _complete_due({a.pk: at + timedelta(days=3)}, at + timedelta(days=4))
    agent = Agent.objects.filter(user__username="agent").first()
    if agent is not None and trainer is not None:
        course = courses["taboo"]
        if not Assignment.objects.filter(agent=agent, course=course, status="open").exists():
            now = timezone.now()
            Assignment.objects.create(
                agent=agent,
                course=course,
                source=AssignmentSource.MANUAL,
                assigned_by=trainer,
                assigned_at=now - timedelta(days=1),
                due_at=now + timedelta(days=6),
                note="本月复盘会上提到的禁语替代话术，请在周五前学完。",
            )


def _complete_due(fate: dict[int, datetime | None], until: datetime) -> None:
    """Complete the open assignments whose drawn completion is before `until`: each
    lesson of the assignment read on the way, the assignment done with the last one."""
    due = [pk for pk, at in fate.items() if at is not None and at < until]
    if not due:
        return
    progress, done, lessons = [], [], {}
    for a in Assignment.objects.filter(pk__in=due, status=AssignmentStatus.OPEN):
        done_at = fate.pop(a.pk)
        assert done_at is not None
        key = (a.course_id, a.lesson_id)
        if key not in lessons:
            lessons[key] = lesson_ids(a)
        for n, lesson_id in enumerate(reversed(lessons[key])):
            progress.append(
                LessonProgress(
                    agent_id=a.agent_id,
                    lesson_id=lesson_id,
                    completed_at=done_at - timedelta(minutes=20 * n),
                )
            )
        a.status, a.completed_at = AssignmentStatus.COMPLETED, done_at
        done.append(a)
    for a in done:  # one short UPDATE each: cheaper than bulk_update's CASE on SQLite
        Assignment.objects.filter(pk=a.pk).update(status=a.status, completed_at=a.completed_at)
    LessonProgress.objects.bulk_create(
        progress,
        update_conflicts=True,
        unique_fields=["agent", "lesson"],
        update_fields=["completed_at"],
    )
