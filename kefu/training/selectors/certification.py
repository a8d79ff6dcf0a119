"""Reads of the training app that other pages and apps rely on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import QuerySet
from django.utils import timezone

from kefu.accounts.models import Agent
from kefu.training.choices import (
    AssignmentSource,
    AssignmentStatus,
    CourseKind,
    SessionStatus,
)
from kefu.training.models import Assignment, Certificate, Enrolment, Exam
from kefu.training.selectors import exams as exam_selectors


def certified_agents(on: datetime | None = None) -> QuerySet[Agent]:
    """Agents holding a valid certificate at `on` (the performance app's promotion pool)."""
    on = on or timezone.now()
    return Agent.objects.filter(
        certificates__passed=True,
        certificates__issued_at__lte=on,
        certificates__expires_at__gt=on,
    ).distinct()


@dataclass(frozen=True)
class Improvement:
    """What follows a failed certification for the agent: the improvement class (its
    course assigned, a seat in its next session) and the cycle's re-test."""

    certificate: Certificate
    assignment: Assignment | None  # the open assignment of the improvement course
    enrolment: Enrolment | None  # the seat in an upcoming improvement-class session
    retest: Exam | None  # the cycle's re-test exam, when published
    retest_refusal: str | None  # why the agent may not start it now (a sentence key)
    retest_best: Decimal | None  # the agent's best graded score in it


def improvement_of(agent_id: int, now: datetime | None = None) -> Improvement | None:
    """The agent's improvement class and re-test after their latest certification
    result, when it is a fail (None otherwise: passed, incomplete, none)."""
    now = now or timezone.now()
    certificate = (
        Certificate.objects.filter(agent_id=agent_id)
        .select_related("cycle__retest_exam")
        .order_by("-cycle__starts_on", "-pk")
        .first()
    )
    if certificate is None or certificate.passed or certificate.total is None:
        return None
    assignment = (
        Assignment.objects.filter(
            agent_id=agent_id,
            source=AssignmentSource.IMPROVEMENT,
            status=AssignmentStatus.OPEN,
        )
        .select_related("course")
        .order_by("-assigned_at")
        .first()
    )
    enrolment = (
        Enrolment.objects.filter(
            agent_id=agent_id,
            session__course__kind=CourseKind.IMPROVEMENT,
            session__ends_at__gte=now,
        )
        .exclude(session__status=SessionStatus.CANCELLED)
        .select_related("session")
        .order_by("session__starts_at")
        .first()
    )
    retest = certificate.cycle.retest_exam
    if retest is not None and not retest.published:
        retest = None
    return Improvement(
        certificate=certificate,
        assignment=assignment,
        enrolment=enrolment,
        retest=retest,
        retest_refusal=exam_selectors.refusal_to_start(retest, agent_id, now) if retest else None,
        retest_best=exam_selectors.best_score(agent_id, retest) if retest else None,
    )
