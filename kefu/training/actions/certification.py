"""Quarterly certification: computing results, issuing certificates, the improvement class
for those who fail, expiry reminders (formulas: kefu/training/core/certification.py)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_noop

from kefu.accounts.models import Agent
from kefu.audit.actions import record as audit
from kefu.audit.models import AuditAction
from kefu.notifications.actions import notify
from kefu.qa.models import QaResult
from kefu.training.choices import (
    AssignmentSource,
    AssignmentStatus,
    AttemptStatus,
    CourseKind,
    EnrolmentSource,
    SessionStatus,
)
from kefu.training.core import certification as core
from kefu.training.models import (
    Assignment,
    Certificate,
    CertificationCycle,
    Course,
    Enrolment,
    Exam,
    TrainingSession,
    TrainingSettings,
)
from kefu.training.selectors.exams import knowledge_scores

IMPROVEMENT_CLASS = "能力提升班"
IMPROVEMENT_DUE_DAYS = 30


def best_scores(exams: Iterable[Exam | None], agent_ids: Iterable[int]) -> dict[int, float]:
    """Agent id → best graded score (0–100) over these exams (the exams' own definition,
    `selectors.exams.knowledge_scores`, taken over each exam)."""
    ids = list(agent_ids)
    best: dict[int, float] = {}
    for exam in exams:
        if exam is None:
            continue
        for agent_id, score in knowledge_scores(exam, ids).items():
            best[agent_id] = max(best.get(agent_id, 0.0), float(score))
    return best


def communication_scores(cycle: CertificationCycle, agent_ids: Iterable[int]) -> dict[int, float]:
    """Agent id → the communication component from the quarter's current QA results."""
    by_agent: dict[int, list[list[dict]]] = defaultdict(list)
    results = QaResult.objects.filter(
        is_current=True,
        agent_id__in=list(agent_ids),
        day__gte=cycle.starts_on,
        day__lte=cycle.ends_on,
    ).values_list("agent_id", "items")
    for agent_id, items in results.iterator(chunk_size=5000):
        by_agent[agent_id].append(items)
    out = {}
    for agent_id, per_result in by_agent.items():
        score = core.communication_score(per_result, cycle.communication_sections)
        if score is not None:
            out[agent_id] = score
    return out


def weights_of(cycle: CertificationCycle) -> core.Weights:
    return core.Weights(cycle.knowledge_weight, cycle.communication_weight, cycle.problem_weight)


@transaction.atomic
def certify(
    cycle: CertificationCycle,
    *,
    user=None,
    agents: Iterable[Agent] | None = None,
    on: datetime | None = None,
) -> list[Certificate]:
    """Compute (again) the cycle's results of these agents (default: every agent who sat
    one of its exams). Newly passed: a certificate issued `on` (default now) valid
    `certificate_valid_days`; newly failed: enrolled in the improvement class with the
    re-test. Re-running with the same data changes nothing."""
    settings = TrainingSettings.current()
    if agents is None:
        exam_ids = [cycle.knowledge_exam_id, cycle.problem_exam_id, cycle.retest_exam_id]
        agents = Agent.objects.filter(
            exam_attempts__exam_id__in=[e for e in exam_ids if e],
            exam_attempts__status=AttemptStatus.GRADED,
        ).distinct()
    agents = list(agents)
    ids = [a.pk for a in agents]
    knowledge = best_scores([cycle.knowledge_exam, cycle.retest_exam], ids)
    problem = best_scores([cycle.problem_exam], ids)
    communication = communication_scores(cycle, ids)
    weights = weights_of(cycle)
    now = on or timezone.now()
    out = []
    for agent in agents:
        parts = core.Components(
            knowledge.get(agent.pk), communication.get(agent.pk), problem.get(agent.pk)
        )
        total = core.weighted_total(parts, weights)
        passed = core.passes(total, cycle.pass_score)
        certificate, _ = Certificate.objects.select_for_update().get_or_create(
            cycle=cycle, agent=agent
        )
        was_passed = certificate.passed
        was_total = certificate.total
        certificate.knowledge = _rounded(parts.knowledge)
        certificate.communication = _rounded(parts.communication)
        certificate.problem = _rounded(parts.problem)
        certificate.total = _rounded(total)
        certificate.passed = passed
        if passed and not was_passed:
            certificate.number = core.certificate_number(cycle.name, agent.external_id)
            certificate.issued_at = now
            certificate.expires_at = now + timedelta(days=settings.certificate_valid_days)
            certificate.reminded_at = None
        certificate.save()
        if passed != was_passed or (total is not None and was_total is None):
            audit(
                AuditAction.TRAINING,
                user=user,
                object_type="training.certificate",
                object_id=str(certificate.pk),
                detail={
                    "cycle": cycle.name,
                    "agent": agent.external_id,
                    "total": float(certificate.total) if certificate.total is not None else None,
                    "passed": passed,
                },
            )
        if total is not None and not passed and (was_passed or was_total is None):
            enrol_in_improvement(agent, cycle=cycle, user=user)
        out.append(certificate)
    return out


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def improvement_course() -> Course:
    course = Course.objects.filter(kind=CourseKind.IMPROVEMENT).order_by("pk").first()
    if course is None:
        course = Course.objects.create(title=IMPROVEMENT_CLASS, kind=CourseKind.IMPROVEMENT)
    return course


def enrol_in_improvement(agent: Agent, *, cycle: CertificationCycle | None = None, user=None):
    """The improvement class (能力提升班): an open assignment of its course, a seat in its
    next planned session with room, and a notification naming the re-test."""
    course = improvement_course()
    now = timezone.now()
    assignment = Assignment.objects.filter(
        agent=agent, course=course, status=AssignmentStatus.OPEN
    ).first()
    if assignment is None:
        assignment = Assignment.objects.create(
            agent=agent,
            course=course,
            source=AssignmentSource.IMPROVEMENT,
            assigned_by=user,
            assigned_at=now,
            due_at=now + timedelta(days=IMPROVEMENT_DUE_DAYS),
            note=cycle.name if cycle is not None else "",
        )
    session = next_session_with_room(course, now)
    if session is not None:
        Enrolment.objects.get_or_create(
            session=session, agent=agent, defaults={"source": EnrolmentSource.IMPROVEMENT}
        )
    if agent.user_id:
        notify(
            [agent.user_id],
            "training.improvement",
            gettext_noop("You are enrolled in the improvement class; a re-test follows"),
            url=reverse("training:records"),
        )
    return assignment


def next_session_with_room(course: Course, after: datetime) -> TrainingSession | None:
    for session in TrainingSession.objects.filter(
        course=course, status=SessionStatus.PLANNED, starts_at__gte=after
    ).order_by("starts_at"):
        if session.capacity is None or session.enrolments.count() < session.capacity:
            return session
    return None


def remind_expiring(now: datetime | None = None) -> int:
    """Notify the agents (and their supervisors) whose certificates expire within the
    reminder window, once per certificate. Returns how many were reminded."""
    now = now or timezone.now()
    window = timedelta(days=TrainingSettings.current().expiry_reminder_days)
    due = Certificate.objects.filter(
        passed=True,
        reminded_at__isnull=True,
        expires_at__gt=now,
        expires_at__lte=now + window,
    ).select_related("agent__supervisor", "cycle")
    count = 0
    for certificate in due:
        agent = certificate.agent
        supervisor = agent.supervisor.user_id if agent.supervisor else None
        notify(
            [u for u in (agent.user_id, supervisor) if u],
            "training.certificate_expiring",
            gettext_noop("The certificate %(number)s of %(agent)s expires on %(day)s"),
            url=reverse("training:records"),
            params={
                "number": certificate.number,
                "agent": agent.name,
                "day": timezone.localdate(certificate.expires_at).isoformat(),
            },
        )
        certificate.reminded_at = now
        certificate.save(update_fields=["reminded_at"])
        count += 1
    return count
