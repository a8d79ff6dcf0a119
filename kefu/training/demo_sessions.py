"""Demo sessions (called by `kefu demo` after demo_courses; idempotent): the seeds' year of
training — 48 sessions planned, 47 held (one cancelled), attendance ≈ 98.4 %, ≈ 126 h per
person — and two agents over the absence limit in the third quarter; plus two sessions
in the coming two weeks that the demo agent's team is enrolled in (to try check-in).

Every agent hired by a session's day is enrolled in the department-wide sessions; the
absences are drawn to the seeds' attendance exactly (a fixed count of the marks)."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from kefu.accounts.models import Agent, Team
from kefu.lib.localtime import configured_tz
from kefu.training import figures
from kefu.training.choices import Attendance, CourseKind, EnrolmentSource, SessionStatus
from kefu.training.demo_courses import demo as demo_courses
from kefu.training.models import Enrolment, TrainingSession

DEMO_TAG = "[demo]"  # in the place field: how a rerun finds the demo's sessions
ATTENDANCE = 0.984
OVER_LIMIT_AGENTS = 2  # agents with 4 absences in Q3 (limit 3 → −15 %)
DEMO_TEAM = "售后一组"


def _wednesdays(year: int) -> list[date]:
    day = date(year, 1, 1)
    day += timedelta(days=(2 - day.weekday()) % 7)
    out = []
    while day.year == year:
        out.append(day)
        day += timedelta(days=7)
    return out


def _plan(year: int) -> list[tuple[date, time, float, str, str, str]]:
    """(day, start, hours, title, kind, course key) × 48, in time order."""
    plan = []
    weds = _wednesdays(year)
    for n, day in enumerate(weds[1::2][:24]):  # every other Wednesday: 场景复盘会
        plan.append((day, time(16, 0), 2.0, f"场景复盘会（第 {n + 1} 期）", CourseKind.CASE_REVIEW,
                     "case_review"))  # fmt: skip
    for month in range(1, 13):  # the second Thursday: 月度质检专项培训
        first = date(year, month, 1)
        day = first + timedelta(days=(3 - first.weekday()) % 7 + 7)
        plan.append((day, time(14, 0), 3.5, f"{month} 月质检专项培训", CourseKind.QA_DRIVEN,
                     "qa_driven"))  # fmt: skip
    for q, month in enumerate((3, 6, 9, 12), start=1):  # the last Friday: 季度服务认证
        last = date(year, month + 1, 1) - timedelta(days=1) if month < 12 else date(year, 12, 31)
        day = last - timedelta(days=(last.weekday() - 4) % 7)
        plan.append((day, time(9, 0), 5.0, f"Q{q} 服务认证考试与复盘", CourseKind.CERTIFICATION,
                     "certification"))  # fmt: skip
    for q, month in enumerate((2, 5, 8, 11), start=1):
        plan.append((date(year, month, 20), time(14, 0), 3.1, f"产品知识更新（Q{q}）",
                     CourseKind.COURSE, "basic"))  # fmt: skip
        plan.append((date(year, month, 27), time(14, 0), 3.0, f"沟通技巧工作坊（Q{q}）",
                     CourseKind.COURSE, "complaint"))  # fmt: skip
    return sorted(plan)


@transaction.atomic
def demo(seed: int = 42, *, year: int = 2024) -> dict[str, Any]:
    """Create the year's sessions and enrolments (replacing an earlier demo's); returns
    the figures as measured by kefu.training.figures."""
    rng = random.Random(seed * 31 + year)
    courses = demo_courses(seed, year=year)
    tz = configured_tz()
    TrainingSession.objects.filter(place__endswith=DEMO_TAG).delete()
    trainer = get_user_model().objects.filter(username="trainer").first()
    agents = list(Agent.objects.order_by("pk").values_list("pk", "hired_on", "user_id"))
    plan = _plan(year)
    cancelled = rng.choice([i for i, p in enumerate(plan) if p[4] == CourseKind.CASE_REVIEW])
    sessions = []
    for i, (day, start, hours, title, kind, course_key) in enumerate(plan):
        starts = datetime.combine(day, start, tzinfo=tz)
        sessions.append(
            TrainingSession(
                title=title,
                kind=kind,
                course=courses.get(course_key),
                starts_at=starts,
                ends_at=starts + timedelta(hours=hours),
                instructor=trainer,
                place=f"总部 3 楼培训室 {DEMO_TAG}",
                status=SessionStatus.CANCELLED if i == cancelled else SessionStatus.HELD,
            )
        )
    sessions = TrainingSession.objects.bulk_create(sessions)
    seats: list[Enrolment] = []
    for s in sessions:
        day = timezone.localtime(s.starts_at, tz).date()
        for agent_id, hired_on, _user in agents:
            if hired_on is None or hired_on <= day:
                seats.append(Enrolment(session=s, agent_id=agent_id, source=EnrolmentSource.TIER))
    # Marks: every seat of a held session attended, but a fixed share absent (two agents
    # with four absences in Q3 among them) and a few excused (counted in neither).
    held = [e for e in seats if e.session.status == SessionStatus.HELD]
    q3 = [
        i
        for i, e in enumerate(held)
        if timezone.localtime(e.session.starts_at, tz).month in (7, 8, 9)
    ]
    absent_total = round(len(held) * (1 - ATTENDANCE))
    absent: set[int] = set()
    q3_agents = sorted({held[i].agent_id for i in q3})
    for agent_id in rng.sample(q3_agents, min(OVER_LIMIT_AGENTS, len(q3_agents))):
        mine = [i for i in q3 if held[i].agent_id == agent_id]
        absent.update(rng.sample(mine, min(4, len(mine))))
    rest = [i for i in range(len(held)) if i not in absent]
    absent.update(rng.sample(rest, max(0, absent_total - len(absent))))
    excused = set(rng.sample([i for i in range(len(held)) if i not in absent], len(held) // 400))
    users = {agent_id: user for agent_id, _h, user in agents}
    for i, e in enumerate(held):
        if i in absent:
            e.attendance = Attendance.ABSENT
        elif i in excused:
            e.attendance = Attendance.EXCUSED
        else:
            e.attendance = Attendance.ATTENDED
            e.checked_in_at = e.session.starts_at - timedelta(minutes=rng.randint(0, 20))
            e.checked_in_by_id = users.get(e.agent_id)
    Enrolment.objects.bulk_create(seats, batch_size=2000)
    _upcoming(courses, trainer, tz)
    summary = figures.summary(date(year, 1, 1), date(year, 12, 31))
    return {
        "planned": summary.coverage.denominator,
        "held": summary.coverage.numerator,
        "coverage": summary.coverage.rate,
        "attendance": summary.attendance.rate,
        "hours_per_person": summary.hours.per_person,
        "over_limit_q3": len(figures.over_limit(f"{year}-Q3")),
    }


def _upcoming(courses: dict, trainer, tz) -> None:
    """Two sessions in the coming two weeks with the demo team enrolled."""
    team = Team.objects.filter(name=DEMO_TEAM).first()
    today = timezone.localdate()
    for n, (days, title, key) in enumerate(
        ((3, "确认客户需求专题", "confirm_need"), (10, "服务禁语与替代话术", "taboo"))
    ):
        starts = datetime.combine(today + timedelta(days=days), time(15, 0), tzinfo=tz)
        session = TrainingSession.objects.create(
            title=title, kind=CourseKind.QA_DRIVEN, course=courses.get(key), starts_at=starts,
            ends_at=starts + timedelta(hours=1 + n), instructor=trainer, capacity=30,
            place=f"总部 3 楼培训室 {DEMO_TAG}",
        )  # fmt: skip
        if team is not None:
            Enrolment.objects.bulk_create(
                Enrolment(session=session, agent=a, source=EnrolmentSource.TEAM)
                for a in team.agents.all()[:30]
            )
