"""Scoped reads of question banks, exams, attempts and answers (kefu/training/apps.py
registers the rules with kefu.accounts.access):

- Banks and questions (they hold the answers): trainers only.
- Exams: every signed-in user reads the catalogue; an unpublished exam only those who
  may change exams (trainers). Who may *take* one is `refusal_to_start`.
- Attempts and their answers: agents their own, supervisors their teams', trainers and
  managers (view_all_training) every one; grading (change) is for trainers.

`best_score(agent, exam)` and `knowledge_scores(exam)` are the knowledge figure the
certification reads: an agent's best graded score in the exam.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Max, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_noop

from kefu.accounts import access
from kefu.accounts.models import Agent
from kefu.accounts.roles import MANAGE_TRAINING
from kefu.training.choices import AttemptStatus, ExamKind
from kefu.training.core import drawing, item_analysis, prepost
from kefu.training.models import (
    Answer,
    Attempt,
    Course,
    Enrolment,
    Exam,
    ExamPart,
    Question,
    QuestionBank,
)

FINISHED = (AttemptStatus.SUBMITTED, AttemptStatus.GRADED, AttemptStatus.EXPIRED)


def manages_exams(user) -> bool:
    """Trainers: banks, questions, exams, grading."""
    return bool(user.is_authenticated and user.has_perm(MANAGE_TRAINING))


def banks_visible_to(user) -> QuerySet[QuestionBank]:
    return access.restrict(QuestionBank.objects.all(), user)


def questions_visible_to(user) -> QuerySet[Question]:
    return access.restrict(Question.objects.all(), user)


def bank_questions(user, bank: QuestionBank) -> list[Question]:
    """Every question of the bank, by id: what an export writes."""
    return list(
        questions_visible_to(user).filter(bank=bank).select_related("area").order_by("external_id")
    )


def exams_visible_to(user) -> QuerySet[Exam]:
    qs = access.restrict(Exam.objects.all(), user)
    return qs if manages_exams(user) else qs.filter(published=True)


def exams_changeable_by(user) -> QuerySet[Exam]:
    return access.restrict(Exam.objects.all(), user, access.CHANGE)


def attempts_visible_to(user) -> QuerySet[Attempt]:
    return access.restrict(Attempt.objects.all(), user)


def answers_visible_to(user) -> QuerySet[Answer]:
    return access.restrict(Answer.objects.all(), user)


def answers_gradable_by(user) -> QuerySet[Answer]:
    return access.restrict(Answer.objects.all(), user, access.CHANGE)


def pending_answers(user) -> QuerySet[Answer]:
    """Answers of finished attempts that wait for a trainer's grade, oldest first."""
    return (
        answers_gradable_by(user)
        .filter(points__isnull=True, attempt__status__in=FINISHED)
        .select_related("question", "attempt__exam", "attempt__agent")
        .order_by("attempt__submitted_at", "attempt_id", "pk")
    )


def own_agent(user) -> Agent | None:
    agent_id = access.own_agent_id(user)
    return None if agent_id is None else Agent.objects.filter(pk=agent_id).first()


def attempts_used(exam: Exam, agent_id: int) -> int:
    return Attempt.objects.filter(exam=exam, agent_id=agent_id).count()


def open_attempt(exam: Exam, agent_id: int, now: datetime | None = None) -> Attempt | None:
    """The agent's attempt that may still be answered (in progress, before its deadline);
    an overdue one is not: it waits to be closed."""
    return Attempt.objects.filter(
        exam=exam,
        agent_id=agent_id,
        status=AttemptStatus.IN_PROGRESS,
        deadline__gte=now or timezone.now(),
    ).first()


def refusal_to_start(exam: Exam, agent_id: int | None, now: datetime | None = None) -> str | None:
    """Why this agent may not start a new attempt now (a sentence key), or None.
    An attempt in progress is resumed, not refused (see actions.start_attempt)."""
    now = now or timezone.now()
    if agent_id is None:
        return gettext_noop("only agents take exams")
    if not exam.published:
        return gettext_noop("this exam is not published")
    if exam.opens_at and now < exam.opens_at:
        return gettext_noop("this exam is not open yet")
    if exam.closes_at and now >= exam.closes_at:
        return gettext_noop("this exam is closed")
    if (
        exam.session_id
        and not Enrolment.objects.filter(session_id=exam.session_id, agent_id=agent_id).exists()
    ):
        return gettext_noop("this exam is for the agents enrolled in its session")
    if attempts_used(exam, agent_id) >= exam.attempts_allowed:
        return gettext_noop("no attempts left")
    return None


def attempts_left(exam: Exam, agent_id: int) -> int:
    return max(0, exam.attempts_allowed - attempts_used(exam, agent_id))


def may_see_key(user, attempt: Attempt) -> bool:
    """Whether the correct answers of a finished attempt may be shown to this user: to
    its agent once no attempt of the exam is left (or the exam is passed); to the others
    who see the attempt (supervisors, trainers) once it is finished."""
    if attempt.status not in FINISHED:
        return False
    if attempt.agent_id != access.own_agent_id(user):
        return True
    if attempt.passed:
        return True
    return attempts_left(attempt.exam, attempt.agent_id) == 0


def may_see_questions(user, attempt: Attempt) -> bool:
    """The questions of an attempt in progress: its agent, and whoever sees the bank's
    questions (trainers); everyone who sees the attempt once it is finished."""
    if attempt.status in FINISHED or attempt.agent_id == access.own_agent_id(user):
        return True
    return questions_visible_to(user).filter(bank_id=attempt.exam.bank_id).exists()


def paper(attempt: Attempt) -> list[tuple[Question, Answer | None]]:
    """The attempt's questions in their drawn order, with the answer saved for each."""
    questions = Question.objects.in_bulk(attempt.question_ids)
    answers = {a.question_id: a for a in attempt.answers.all()}
    return [(questions[q], answers.get(q)) for q in attempt.question_ids if q in questions]


# --- the knowledge score (read by the certification) ----------------------------------------
def best_score(agent: Agent | int, exam: Exam | int) -> Decimal | None:
    """The agent's best graded score (0–100) in the exam; None without a graded attempt."""
    agent_id = agent if isinstance(agent, int) else agent.pk
    exam_id = exam if isinstance(exam, int) else exam.pk
    return Attempt.objects.filter(
        exam_id=exam_id, agent_id=agent_id, graded_at__isnull=False
    ).aggregate(best=Max("score"))["best"]


def knowledge_scores(exam: Exam | int, agent_ids: list[int] | None = None) -> dict[int, Decimal]:
    """agent id → best graded score in the exam, for every agent with one."""
    exam_id = exam if isinstance(exam, int) else exam.pk
    qs = Attempt.objects.filter(exam_id=exam_id, graded_at__isnull=False)
    if agent_ids is not None:
        qs = qs.filter(agent_id__in=agent_ids)
    rows = qs.values("agent_id").annotate(best=Max("score"))
    return {r["agent_id"]: r["best"] for r in rows if r["best"] is not None}


# --- results ------------------------------------------------------------------------------
@dataclass(frozen=True)
class ExamSummary:
    attempts: int
    graded: int
    pending: int  # finished, waiting for a trainer
    in_progress: int  # before their deadline
    overdue: int  # in progress after their deadline: the worker closes and grades them
    mean: float | None  # mean graded score
    passed: int
    pass_rate: float | None  # passed / graded, %


def exam_results(user, exam: Exam) -> tuple[list[Attempt], ExamSummary]:
    """The attempts of an exam in the user's scope (newest first) and their summary."""
    attempts = list(
        attempts_visible_to(user)
        .filter(exam=exam)
        .select_related("agent__team")
        .order_by("-started_at", "-pk")
    )
    graded = [a for a in attempts if a.graded_at is not None and a.score is not None]
    passed = sum(1 for a in graded if a.passed)
    summary = ExamSummary(
        attempts=len(attempts),
        graded=len(graded),
        pending=sum(1 for a in attempts if a.status in FINISHED and a.graded_at is None),
        in_progress=sum(
            1 for a in attempts if a.status == AttemptStatus.IN_PROGRESS and not a.overdue
        ),
        overdue=sum(1 for a in attempts if a.overdue),
        mean=(sum(float(a.score) for a in graded) / len(graded)) if graded else None,
        passed=passed,
        pass_rate=100.0 * passed / len(graded) if graded else None,
    )
    return attempts, summary


def first_graded_attempts(qs: QuerySet[Attempt]) -> list[Attempt]:
    """Each agent's first graded attempt (by start) among `qs`."""
    first: dict[int, Attempt] = {}
    for attempt in qs.filter(graded_at__isnull=False).order_by("started_at", "pk"):
        first.setdefault(attempt.agent_id, attempt)
    return list(first.values())


@dataclass(frozen=True)
class ItemRow:
    question: Question
    stats: item_analysis.ItemStats


def item_analysis_of(user, exam: Exam) -> tuple[list[ItemRow], int]:
    """Moodle-style statistics per question over each agent's first graded attempt in
    the user's scope; and the number of attempts analysed."""
    attempts = first_graded_attempts(attempts_visible_to(user).filter(exam=exam))
    answers = (
        Answer.objects.filter(attempt__in=[a.pk for a in attempts])
        .select_related("question")
        .only("attempt_id", "question_id", "points", "question__points")
    )
    by_attempt: dict[int, list[item_analysis.ItemScore]] = defaultdict(list)
    for a in answers:
        by_attempt[a.attempt_id].append(
            item_analysis.ItemScore(a.question_id, float(a.points or 0), float(a.question.points))
        )
    stats = item_analysis.analyse(list(by_attempt.values()))
    questions = questions_visible_to(user).in_bulk([s.question for s in stats])
    rows = [ItemRow(questions[s.question], s) for s in stats if s.question in questions]
    return rows, len(attempts)


@dataclass(frozen=True)
class CoursePrePost:
    course: Course
    pre_exams: list[Exam]
    post_exams: list[Exam]
    figures: prepost.PrePost
    pairs: list[tuple[Agent, Decimal, Decimal]]  # agent, pre score, post score


def pre_post(user, course_id: int | None = None) -> list[CoursePrePost]:
    """Pre-test vs post-test per course (kefu/training/core/prepost.py), over the
    attempts in the user's scope: each agent's first graded attempt of the course's
    pre-tests and of its post-tests."""
    exams = Exam.objects.filter(kind__in=(ExamKind.PRE, ExamKind.POST), course__isnull=False)
    if course_id is not None:
        exams = exams.filter(course_id=course_id)
    by_course: dict[int, dict[str, list[Exam]]] = defaultdict(lambda: {"pre": [], "post": []})
    for exam in exams.order_by("pk"):
        by_course[exam.course_id][exam.kind].append(exam)
    courses = Course.objects.in_bulk(list(by_course))
    visible = attempts_visible_to(user)
    out = []
    for cid, kinds in sorted(by_course.items(), key=lambda kv: courses[kv[0]].title):
        scores: dict[str, dict[int, Decimal]] = {}
        for side in ("pre", "post"):
            firsts = first_graded_attempts(visible.filter(exam__in=kinds[side]))
            scores[side] = {a.agent_id: a.score for a in firsts if a.score is not None}
        figures = prepost.compare(
            {k: float(v) for k, v in scores["pre"].items()},
            {k: float(v) for k, v in scores["post"].items()},
        )
        agents = Agent.objects.in_bulk([k for k in scores["pre"] if k in scores["post"]])
        pairs = sorted(
            ((agents[k], scores["pre"][k], scores["post"][k]) for k in agents),
            key=lambda t: t[0].external_id,
        )
        out.append(CoursePrePost(courses[cid], kinds["pre"], kinds["post"], figures, pairs))
    return out


def candidates(bank_id: int) -> list[drawing.Candidate]:
    """The bank's active questions as the drawing core sees them."""
    rows = Question.objects.filter(bank_id=bank_id, active=True).values_list(
        "pk", "area__code", "difficulty", "kind"
    )
    return [drawing.Candidate(pk, area, difficulty, kind) for pk, area, difficulty, kind in rows]


def core_parts(parts: Iterable[Any]) -> list[drawing.Part]:
    """Exam parts (ExamPart rows or actions.PartSpec) for the drawing core."""
    return [
        drawing.Part(
            count=p.count,
            area=p.area.code if p.area else None,
            difficulty=p.difficulty or None,
            kind=p.kind or None,
        )
        for p in parts
    ]


def part_availability(exam: Exam) -> list[tuple[ExamPart, int]]:
    """Each part of the exam and how many active questions of the bank match it."""
    pool = candidates(exam.bank_id)
    parts = list(exam.parts.select_related("area"))
    return [(p, drawing.available(pool, c)) for p, c in zip(parts, core_parts(parts), strict=True)]


def my_attempts(agent_id: int) -> QuerySet[Attempt]:
    return Attempt.objects.filter(agent_id=agent_id).select_related("exam")


def exam_list(user) -> QuerySet[Exam]:
    qs = exams_visible_to(user).select_related("course", "bank", "session")
    return qs.prefetch_related(Prefetch("parts")).order_by("-created_at", "-pk")


def overdue(now: datetime | None = None) -> Q:
    return Q(status=AttemptStatus.IN_PROGRESS, deadline__lt=now or timezone.now())
