"""An agent's training record (培训档案): what the record page and its workbook show."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, BinaryIO

from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts.models import Agent
from kefu.core.spreadsheet import save_as_text
from kefu.training.core import figures as core_figures
from kefu.training.models import (
    Assignment,
    Attempt,
    Certificate,
    Enrolment,
    LessonProgress,
    Practice,
    TrainingSettings,
)


@dataclass
class Record:
    certificates: list[Certificate]
    enrolments: list[Enrolment]
    attempts: list[Attempt]
    practices: list[Practice]
    assignments: list[Assignment]
    lessons_done: int
    quarter: tuple[date, date]
    absences_this_quarter: int
    absence_limit: int
    hours_attended: float


def record_of(agent: Agent, now: datetime) -> Record:
    """Absences and hours are the session figures' own definitions (kefu/training/core/
    figures.py: held sessions only), so the record shows what the absence rule counts."""
    quarter = core_figures.quarter_of(timezone.localdate(now))
    enrolments = list(
        Enrolment.objects.filter(agent=agent)
        .select_related("session__course")
        .order_by("-session__starts_at")
    )
    seats = [
        core_figures.Seat(
            agent.pk,
            e.attendance,
            e.session.status,
            e.session.hours,
            timezone.localdate(e.session.starts_at),
        )
        for e in enrolments
    ]
    return Record(
        certificates=list(
            Certificate.objects.filter(agent=agent)
            .select_related("cycle")
            .order_by("-cycle__starts_on")
        ),
        enrolments=enrolments,
        attempts=list(Attempt.objects.filter(agent=agent).select_related("exam")),
        practices=list(Practice.objects.filter(agent=agent).select_related("scenario")[:200]),
        assignments=list(
            Assignment.objects.filter(agent=agent).select_related("course", "lesson", "rule")
        ),
        lessons_done=LessonProgress.objects.filter(agent=agent).count(),
        quarter=core_figures.quarter_bounds(quarter),
        absences_this_quarter=core_figures.absences(seats).get((agent.pk, quarter), 0),
        absence_limit=TrainingSettings.current().absence_limit,
        hours_attended=round(core_figures.hours(seats).total, 1),
    )


def _local(value: datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def workbook_of(agent: Agent, record: Record, stream: BinaryIO) -> None:
    """The record as an Excel workbook, one sheet per part (text cells stay text)."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = _("Agent")
    sheet.append([_("Agent id"), _("Name"), _("Team"), _("Tier"), _("Hired on")])
    sheet.append([
        agent.external_id, agent.name, agent.team.name if agent.team else "",
        agent.get_tier_display(), agent.hired_on.isoformat() if agent.hired_on else "",
    ])  # fmt: skip
    sheet.append([])
    sheet.append([_("Hours attended"), record.hours_attended])
    sheet.append([_("Absences this quarter"), record.absences_this_quarter])
    sheet.append([_("Lessons completed"), record.lessons_done])
    parts: list[tuple[str, list[str], list[list[Any]]]] = [
        (
            _("Sessions"),
            [_("Session"), _("Starts"), _("Hours"), _("Attendance")],
            [
                [e.session.title, _local(e.session.starts_at), round(e.session.hours, 1),
                 e.get_attendance_display()]
                for e in record.enrolments
            ],
        ),
        (
            _("Exams"),
            [_("Exam"), _("Attempt"), _("Started"), _("Status"), _("Score"), _("Passed")],
            [
                [a.exam.title, a.number, _local(a.started_at), a.get_status_display(),
                 _number(a.score), "" if a.passed is None else (_("Yes") if a.passed else _("No"))]
                for a in record.attempts
            ],
        ),
        (
            _("Certificates"),
            [_("Cycle"), _("Knowledge"), _("Communication"), _("Problem analysis"), _("Score"),
             _("Passed"), _("Certificate"), _("Valid until")],
            [
                [c.cycle.name, _number(c.knowledge), _number(c.communication),
                 _number(c.problem), _number(c.total), _("Yes") if c.passed else _("No"),
                 c.number, _local(c.expires_at)]
                for c in record.certificates
            ],
        ),
        (
            _("Practice"),
            [_("Scenario"), _("Started"), _("Status"), _("QA score"), _("Errors"), _("Checks")],
            [
                [p.scenario.title, _local(p.started_at), p.get_status_display(),
                 _number(p.qa_score), p.errors, p.checks]
                for p in record.practices
            ],
        ),
        (
            _("Assignments"),
            [_("Course"), _("Lesson"), _("Source"), _("Assigned"), _("Due"), _("Status"),
             _("Completed")],
            [
                [a.course.title, a.lesson.title if a.lesson else "", a.get_source_display(),
                 _local(a.assigned_at), _local(a.due_at), a.get_status_display(),
                 _local(a.completed_at)]
                for a in record.assignments
            ],
        ),
    ]  # fmt: skip
    for title, header, rows in parts:
        part = book.create_sheet(title)
        part.append(header)
        for row in rows:
            part.append(row)
    save_as_text(book, stream)
