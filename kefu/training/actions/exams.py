"""Every write of question banks and exams: validate, then do (kefu.lib.errors on refusal).

- Banks and questions: create and edit (one question at a time, or a whole Excel/CSV
  file: its valid rows whatever the others, idempotent by question id or, without one,
  by the question's identity).
- Exams: create and edit, with their parts.
- Attempts: start (the paper is drawn, seeded per attempt; the deadline is fixed on the
  server), save answers, submit; an attempt still in progress after its deadline is
  closed (status "expired") and graded with what was saved. Late saves and submissions,
  repeated submissions, answers to questions not drawn and anyone but the agent taking
  the exam are refused. Closing an overdue attempt is a write of its own: the worker
  does it (a task queued at the start runs just after the deadline; `kefu
  training_close_attempts` from cron is the safety net), or a POST (a late save or
  submission, the agent's "grade now", a new start); a page or API read never does.
- Grading: objective answers at submission (kefu/training/core/grading.py); short and
  scenario answers by a trainer (every grade, first or changed, is audited). The score
  is set when no answer is pending; a failed certification or re-test calls
  `on_exam_failed`.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, NoReturn

import orjson
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django_tasks import task

from kefu.accounts import access
from kefu.audit.actions import record as audit
from kefu.audit.models import AuditAction
from kefu.bulk import datetime_adapter, fast_bulk_update, in_clause
from kefu.lib.errors import Conflict, Invalid, NotAllowed, NotFound
from kefu.notifications.actions import notify
from kefu.training import question_files
from kefu.training.choices import AttemptStatus, ExamKind, QuestionKind
from kefu.training.core import drawing, grading, question_rows
from kefu.training.models import (
    Answer,
    Area,
    Attempt,
    Course,
    Exam,
    ExamPart,
    Question,
    QuestionBank,
    TrainingSession,
)
from kefu.training.selectors import exams as selectors

AUDIT = AuditAction.TRAINING
MAX_TIME_LIMIT = 600  # minutes
MAX_ATTEMPTS = 20
FAILING_KINDS = (ExamKind.CERTIFICATION, ExamKind.RETEST)
CLOSING_DELAY_S = 5  # after the deadline: a submission on its way wins over the closing

log = logging.getLogger(__name__)


# --- the hook the certification fills in --------------------------------------------------
def on_exam_failed(attempt: Attempt) -> None:
    """Called once when an attempt of a certification or re-test exam is graded failed
    (at submission, at the deadline, or when a trainer's grade completes or changes it):
    the cycles using the exam recompute the agent's result, which enrols a failing agent
    in the improvement class (能力提升班) with the re-test. Inside the grading transaction."""
    certification_exam_graded(attempt)


def certification_exam_graded(attempt: Attempt) -> None:
    """The agent's result in every certification cycle that uses this exam, again."""
    from kefu.training.actions.certification import certify
    from kefu.training.models import CertificationCycle

    exam_id = attempt.exam_id
    cycles = CertificationCycle.objects.filter(
        Q(knowledge_exam_id=exam_id) | Q(problem_exam_id=exam_id) | Q(retest_exam_id=exam_id)
    )
    for cycle in cycles:
        certify(cycle, agents=[attempt.agent])


# --- banks and questions ---------------------------------------------------------------------
def _require_manager(user) -> None:
    if not selectors.manages_exams(user):
        raise NotAllowed(_("only trainers manage question banks and exams"))


def create_bank(name: str, description: str, *, user) -> QuestionBank:
    _require_manager(user)
    name = (name or "").strip()
    if not name:
        raise Invalid(_("a bank needs a name"))
    if len(name) > 120:
        raise Invalid(_("the name is too long (at most 120 characters)"))
    if QuestionBank.objects.filter(name=name).exists():
        raise Conflict(_("a bank with this name exists"))
    try:
        with transaction.atomic():
            return QuestionBank.objects.create(name=name, description=(description or "")[:4000])
    except IntegrityError:
        raise Conflict(_("a bank with this name exists")) from None


def areas_by_code() -> dict[str, str]:
    return dict(Area.objects.values_list("code", "name"))


def _field_errors(errors: Iterable[question_rows.FieldError]) -> list[dict[str, Any]]:
    return [
        {"index": None, "id": None, "field": e.column,
         "reason": question_files.reason(e.code, e.params)}
        for e in errors
    ]  # fmt: skip


def _apply(question: Question, parsed: question_rows.ParsedQuestion, areas: dict[str, int]):
    question.external_id = parsed.external_id
    question.kind = parsed.kind
    question.area_id = areas.get(parsed.area) if parsed.area else None
    question.difficulty = parsed.difficulty
    question.points = parsed.points
    question.text = parsed.text
    question.choices = parsed.choices
    question.answer = parsed.answer
    question.rubric = parsed.rubric
    question.excerpt = parsed.excerpt
    question.active = parsed.active
    return question


@transaction.atomic
def save_question(
    bank: QuestionBank, values: Mapping[str, Any], *, user, question: Question | None = None
) -> Question:
    """Create (question None) or change one question from its cells (the keys of
    kefu.training.core.question_rows.COLUMNS)."""
    _require_manager(user)
    parsed, errors = question_rows.parse_question(values, areas_by_code())
    if errors or parsed is None:
        raise Invalid(_("the question has errors"), errors=_field_errors(errors))
    clash = Question.objects.filter(bank=bank, external_id=parsed.external_id)
    if question is not None:
        clash = clash.exclude(pk=question.pk)
    if clash.exists():
        raise Invalid(
            "the question has errors",
            errors=_field_errors([question_rows.FieldError("id", "exists")]),
        )
    target = question if question is not None else Question(bank=bank)
    _apply(target, parsed, dict(Area.objects.values_list("code", "pk")))
    target.save()
    return target


@dataclass(frozen=True)
class ImportReport:
    created: int
    updated: int
    unchanged: int
    # The rows not imported, as shown: row number, column (as headed in the file), reason.
    errors: list[dict[str, Any]] = field(default_factory=list)


def import_questions(bank: QuestionBank, file_name: str, data: bytes, *, user) -> ImportReport:
    """The questions of an Excel or CSV file into the bank: a valid row is imported
    whatever its neighbours (kefu/training/core/question_rows.py `plan_import`: by
    question id, or by identity when the id is blank; questions not in the file are
    left alone; the same file twice changes nothing). The report lists the rows not
    imported (row, column, reason). Refused whole: a file that cannot be read, a header
    without the required columns, or no valid row at all."""
    _require_manager(user)
    try:
        header, rows = question_files.read_table(file_name, data)
    except question_files.Unreadable as exc:
        raise Invalid(str(exc)) from None
    excel = question_files.kind_of_file(file_name, data) == question_files.XLSX
    parsed, errors = question_rows.parse_table(header, rows, areas_by_code())
    if not parsed:
        shown = question_files.error_rows(header, errors, excel)
        if errors:
            raise Invalid(_("the file has errors: nothing was imported"), errors=shown)
        raise Invalid(_("the file holds no question"))
    with transaction.atomic():
        counts, refused = store_questions(bank, parsed)
        errors = sorted([*errors, *refused], key=lambda e: (e.row, e.column))
        report = ImportReport(*counts, errors=question_files.error_rows(header, errors, excel))
        audit(
            AuditAction.IMPORT,
            user=user,
            object_type="training.questionbank",
            object_id=str(bank.pk),
            detail={"file": file_name[:200], "created": report.created,
                    "updated": report.updated, "unchanged": report.unchanged,
                    "rows_refused": len({e["row"] for e in report.errors})},
        )  # fmt: skip
    return report


@transaction.atomic
def store_questions(
    bank: QuestionBank, rows: Sequence[tuple[int, question_rows.ParsedQuestion]]
) -> tuple[tuple[int, int, int], list[question_rows.RowError]]:
    """Checked questions (row number, question) into the bank as
    `question_rows.plan_import` matches them (the import's write; the demo's): the
    counts (created, updated, unchanged) and the rows refused as duplicates."""
    area_ids = dict(Area.objects.values_list("code", "pk"))
    QuestionBank.objects.select_for_update().filter(pk=bank.pk).first()
    stored = {q.external_id: q for q in Question.objects.filter(bank=bank).select_related("area")}
    plan = question_rows.plan_import(
        rows, {key: question_files.as_parsed(q) for key, q in stored.items()}
    )
    new = [_apply(Question(bank=bank), p, area_ids) for _row, p in plan.create]
    changed = [_apply(stored[p.external_id], p, area_ids) for _row, p in plan.update]
    Question.objects.bulk_create(new, batch_size=500)
    fields = ["kind", "area", "difficulty", "points", "text", "choices", "answer", "rubric",
              "excerpt", "active", "updated_at"]  # fmt: skip
    now = timezone.now()
    for q in changed:
        q.updated_at = now
    Question.objects.bulk_update(changed, fields, batch_size=500)
    return (len(new), len(changed), len(plan.unchanged)), plan.errors


def record_export(bank: QuestionBank, file_format: str, count: int, *, user) -> None:
    """A bank export holds the answers: it is audited."""
    audit(
        AuditAction.EXPORT,
        user=user,
        object_type="training.questionbank",
        object_id=str(bank.pk),
        detail={"format": file_format, "questions": count},
    )


# --- exams -----------------------------------------------------------------------------------
@dataclass
class PartSpec:
    count: int
    area: Area | None = None
    difficulty: int | None = None
    kind: str = ""


def check_parts(bank: QuestionBank, parts: list[PartSpec]) -> None:
    """Refuse parts the bank cannot fill with distinct active questions."""
    total = sum(p.count for p in parts)
    if total == 0:
        raise Invalid(_("an exam needs at least one question"))
    if total > drawing.MAX_QUESTIONS:
        raise Invalid(_("an exam holds at most %(n)s questions") % {"n": drawing.MAX_QUESTIONS})
    try:
        drawing.draw(selectors.candidates(bank.pk), selectors.core_parts(parts), seed=0)
    except drawing.Shortfall as exc:
        raise Invalid(
            _(
                "part %(part)s wants %(wanted)s questions; the bank has %(available)s active "
                "ones that fit (and not taken by the other parts)"
            )
            % {"part": exc.part + 1, "wanted": exc.wanted, "available": exc.available}
        ) from None


@transaction.atomic
def save_exam(
    values: Mapping[str, Any], parts: list[PartSpec], *, user, exam: Exam | None = None
) -> Exam:
    """Create or change an exam and replace its parts. `values`: the Exam fields (title,
    kind, course, bank, time_limit_minutes, closed_book, attempts_allowed, pass_score,
    opens_at, closes_at, published, session)."""
    _require_manager(user)
    title = (values.get("title") or "").strip()
    if not title:
        raise Invalid(_("an exam needs a title"))
    kind = values.get("kind") or ExamKind.QUIZ
    if kind not in ExamKind.values:
        raise Invalid(_("unknown exam kind"))
    bank = values.get("bank")
    if not isinstance(bank, QuestionBank):
        raise Invalid(_("an exam draws from a question bank"))
    course = values.get("course")
    if course is not None and not isinstance(course, Course):
        raise Invalid(_("unknown course"))
    if kind in (ExamKind.PRE, ExamKind.POST) and course is None:
        raise Invalid(_("a pre-test or post-test belongs to a course"))
    session = values.get("session")
    if session is not None and not isinstance(session, TrainingSession):
        raise Invalid(_("unknown session"))
    limit = int(values.get("time_limit_minutes") or 0)
    if not 1 <= limit <= MAX_TIME_LIMIT:
        raise Invalid(_("the time limit is 1 to %(n)s minutes") % {"n": MAX_TIME_LIMIT})
    allowed = int(values.get("attempts_allowed") or 0)
    if not 1 <= allowed <= MAX_ATTEMPTS:
        raise Invalid(_("attempts allowed: 1 to %(n)s") % {"n": MAX_ATTEMPTS})
    pass_score = int(values.get("pass_score") if values.get("pass_score") is not None else 85)
    if not 0 <= pass_score <= 100:
        raise Invalid(_("the pass line is 0 to 100"))
    opens_at, closes_at = values.get("opens_at"), values.get("closes_at")
    if opens_at and closes_at and closes_at <= opens_at:
        raise Invalid(_("the exam must close after it opens"))
    for p in parts:
        if p.kind and p.kind not in QuestionKind.values:
            raise Invalid(_("unknown question type in a part"))
        if p.difficulty is not None and not 1 <= p.difficulty <= 5:
            raise Invalid(_("a part's difficulty is 1 to 5"))
        if not 1 <= p.count <= drawing.MAX_QUESTIONS:
            raise Invalid(_("a part draws at least one question"))
    published = bool(values.get("published"))
    if published:  # a draft may wait for its bank; a published exam must be drawable
        check_parts(bank, parts)
    if exam is None:
        exam = Exam(created_by=user)
    exam.title, exam.kind, exam.course, exam.bank, exam.session = (
        title[:200], kind, course, bank, session,
    )  # fmt: skip
    exam.time_limit_minutes, exam.attempts_allowed, exam.pass_score = limit, allowed, pass_score
    exam.closed_book = bool(values.get("closed_book"))
    exam.opens_at, exam.closes_at, exam.published = opens_at, closes_at, published
    exam.save()
    exam.parts.all().delete()
    ExamPart.objects.bulk_create(
        ExamPart(exam=exam, area=p.area, difficulty=p.difficulty, kind=p.kind, count=p.count)
        for p in parts
    )
    return exam


# --- attempts --------------------------------------------------------------------------------
def _attempt_url(attempt: Attempt) -> str:
    return reverse("training:attempt", args=[attempt.pk])


def start_attempt(
    exam: Exam, *, user, now: datetime | None = None, seed: int | None = None
) -> Attempt:
    """The agent's attempt in progress (resumed), or a new one: the paper drawn with a
    seed of its own, the deadline fixed (the time limit, cut at the exam's closing)."""
    now = now or timezone.now()
    agent_id = access.own_agent_id(user)
    if agent_id is None:
        raise NotAllowed(_("only agents take exams"))
    for stale in Attempt.objects.filter(selectors.overdue(now), exam=exam, agent_id=agent_id):
        close_if_overdue(stale, now=now)
    current = selectors.open_attempt(exam, agent_id)
    if current is not None:
        return current
    refusal = selectors.refusal_to_start(exam, agent_id, now)
    if refusal is not None:
        raise Conflict(_(refusal))
    try:
        question_ids = drawing.draw(
            selectors.candidates(exam.bank_id),
            selectors.core_parts(exam.parts.select_related("area")),
            seed if seed is not None else secrets.randbits(63),
        )
    except drawing.Shortfall:
        raise Conflict(_("the question bank cannot fill this exam: tell a trainer")) from None
    if not question_ids:
        raise Conflict(_("this exam has no questions yet"))
    deadline = now + timedelta(minutes=exam.time_limit_minutes)
    if exam.closes_at and exam.closes_at < deadline:
        deadline = exam.closes_at
    try:
        with transaction.atomic():
            attempt = Attempt.objects.create(
                exam=exam,
                agent_id=agent_id,
                number=selectors.attempts_used(exam, agent_id) + 1,
                question_ids=question_ids,
                started_at=now,
                deadline=deadline,
            )
            Answer.objects.bulk_create(
                Answer(attempt=attempt, question_id=qid, response=[]) for qid in question_ids
            )
    except IntegrityError:  # the same agent started twice at once: resume the winner
        current = selectors.open_attempt(exam, agent_id)
        if current is None:
            raise Conflict(_("an attempt was just started; reload the page")) from None
        return current
    transaction.on_commit(lambda: schedule_closing(deadline))
    return attempt


@task()
def close_overdue_attempts_task() -> int:
    """The worker's closing of the attempts whose time ran out (queued by each start to
    run just after its deadline)."""
    return close_overdue_attempts()


def schedule_closing(deadline: datetime) -> bool:
    """Queue the closing for just after `deadline` (`kefu db_worker` runs it). Backends
    that cannot defer (the tests' immediate one) are left alone: cron's
    `kefu training_close_attempts` closes those. Whether it was queued."""
    try:
        backend = close_overdue_attempts_task.get_backend()
        if not backend.supports_defer:
            return False
        close_overdue_attempts_task.using(
            run_after=deadline + timedelta(seconds=CLOSING_DELAY_S)
        ).enqueue()
    except Exception:  # the queue unreachable: cron's command is the safety net
        log.warning("could not queue the closing of exam attempts", exc_info=True)
        return False
    return True


def _locked(attempt: Attempt) -> Attempt:
    return Attempt.objects.select_for_update().select_related("exam").get(pk=attempt.pk)


class _TimeUp(Conflict):
    pass


def _refusal(attempt: Attempt, user, now: datetime) -> Exception | None:
    """Why this user may not write answers to this attempt now (None: they may). Only
    the agent of an attempt in progress, before its deadline."""
    if attempt.agent_id != access.own_agent_id(user):
        return NotAllowed(_("only the agent taking the exam may answer it"))
    if attempt.status != AttemptStatus.IN_PROGRESS:
        return Conflict(_("this attempt is already submitted"))
    if now > attempt.deadline:
        return _TimeUp(_("the time is up: the answers saved before the deadline are graded"))
    return None


def _refuse(attempt: Attempt, problem: Exception, now: datetime) -> NoReturn:
    """Raise the refusal; an overdue attempt is first closed with what was saved (in its
    own transaction, so the refusal does not undo it)."""
    if isinstance(problem, _TimeUp):
        close_if_overdue(attempt, now=now)
    raise problem


def _clean(attempt: Attempt, responses: Mapping[Any, Any]) -> dict[int, list[Any]]:
    drawn = set(attempt.question_ids)
    ids: dict[int, Any] = {}
    errors = []
    for key, value in responses.items():
        try:
            qid = int(key)
        except (TypeError, ValueError):
            qid = -1
        if qid not in drawn:
            reason = _("this question was not drawn for this attempt")
            errors.append(
                {"index": None, "id": str(key)[:40], "field": "question", "reason": reason}
            )
            continue
        ids[qid] = value
    if errors:
        raise Invalid(_("answers to questions not drawn for this attempt"), errors=errors)
    questions = Question.objects.in_bulk(list(ids))
    cleaned = {}
    for qid, value in ids.items():
        q = questions[qid]
        try:
            cleaned[qid] = grading.clean_response(q.kind, value, len(q.choices))
        except grading.InvalidResponse as exc:
            errors.append({"index": None, "id": str(qid), "field": "response",
                           "reason": _(RESPONSE_REASONS.get(exc.code, exc.code))})  # fmt: skip
    if errors:
        raise Invalid(_("some answers do not fit their questions"), errors=errors)
    return cleaned


RESPONSE_REASONS = {
    "choice_index": gettext_noop("a choice is given by its index (0 for A)"),
    "choice_range": gettext_noop("no such choice"),
    "one_choice": gettext_noop("a single-choice question takes one choice"),
    "true_false": gettext_noop("the answer is true or false"),
    "text": gettext_noop("the answer is a text"),
    "too_long": gettext_noop("the answer is too long"),
    "kind": gettext_noop("unknown question type"),
}


def _store(attempt: Attempt, cleaned: Mapping[int, list[Any]]) -> int:
    if not cleaned:
        return 0
    rows = list(Answer.objects.filter(attempt=attempt, question_id__in=list(cleaned)))
    for row in rows:
        row.response = cleaned[row.question_id]
    Answer.objects.bulk_update(rows, ["response"])
    return len(rows)


def save_answers(
    attempt: Attempt, responses: Mapping[Any, Any], *, user, now: datetime | None = None
) -> Attempt:
    """Save some answers of an attempt in progress ({question id: response}); the whole
    save is refused if one answer is to a question not drawn or does not fit."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = _locked(attempt)
        problem = _refusal(locked, user, now)
        if problem is None:
            _store(locked, _clean(locked, responses))
            return locked
    _refuse(locked, problem, now)


def submit_attempt(
    attempt: Attempt,
    *,
    user,
    responses: Mapping[Any, Any] | None = None,
    now: datetime | None = None,
) -> Attempt:
    """Submit (with a last save of `responses`) and grade. Refused after the deadline
    (the attempt is then closed with what was saved), and when already submitted.

    The attempt is claimed by one conditional UPDATE (in progress, this agent's, before
    the deadline): of two submissions, or a submission and the server closing it, one
    wins and the other is refused."""
    now = now or timezone.now()
    agent_id = access.own_agent_id(user)
    with transaction.atomic():
        if agent_id is not None and _claim(attempt.pk, agent_id, now):
            if responses:
                _store(attempt, _clean(attempt, responses))  # a refusal undoes the claim
            attempt.status, attempt.submitted_at = AttemptStatus.SUBMITTED, now
            attempt.score = attempt.passed = attempt.graded_at = None
            grade_submitted([attempt], now=now)
            return attempt
    fresh = Attempt.objects.select_related("exam").get(pk=attempt.pk)
    _refuse(
        fresh, _refusal(fresh, user, now) or Conflict(_("this attempt is already submitted")), now
    )


def _claim(attempt_id: int, agent_id: int, now: datetime) -> bool:
    """Mark this agent's attempt submitted if it is still in progress before its
    deadline (plain SQL: the ORM's query building was a third of a submission)."""
    quote = connection.ops.quote_name
    sql = (
        f"UPDATE {quote(Attempt._meta.db_table)} SET status = %s, submitted_at = %s "
        "WHERE id = %s AND agent_id = %s AND status = %s AND deadline >= %s"
    )
    at = datetime_adapter()(now)
    with connection.cursor() as cursor:
        cursor.execute(sql, [AttemptStatus.SUBMITTED, at, attempt_id, agent_id,
                             AttemptStatus.IN_PROGRESS, at])  # fmt: skip
        return cursor.rowcount == 1


def close_if_overdue(attempt: Attempt, *, now: datetime | None = None) -> bool:
    """Close an attempt still in progress after its deadline: graded with the answers
    saved (status expired, submitted at the deadline). Whether it closed one."""
    return close_overdue_attempts(Attempt.objects.filter(pk=attempt.pk), now=now) > 0


def close_overdue_attempts(attempts=None, *, now: datetime | None = None) -> int:
    """Close every overdue attempt (of `attempts`, a queryset, or all) in one go: what
    the worker and cron run (`kefu training_close_attempts`) and what a POST does when it
    meets one. How many it closed."""
    now = now or timezone.now()
    qs = attempts if attempts is not None else Attempt.objects.all()
    with transaction.atomic():
        locked = list(
            Attempt.objects.select_for_update()
            .select_related("exam")
            .filter(selectors.overdue(now), pk__in=qs.filter(selectors.overdue(now)).values("pk"))
        )
        for attempt in locked:
            attempt.status = AttemptStatus.EXPIRED
            attempt.submitted_at = attempt.deadline
        grade_submitted(locked, now=now)
    return len(locked)


def _decimal(value: Any) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.1"))


def _json(value: Any) -> Any:
    return orjson.loads(value) if isinstance(value, str | bytes) else value


def _answer_rows(attempt_ids: list[int]) -> list[tuple]:
    """(answer id, attempt id, response, points, kind, key, question points) of the
    attempts' answers: plain SQL without the ORM's per-value converters, the grading's
    one read (half the time of a submission through the ORM)."""
    quote = connection.ops.quote_name
    answers, questions = quote(Answer._meta.db_table), quote(Question._meta.db_table)
    where, param = in_clause("a.attempt_id", attempt_ids)
    sql = (
        f"SELECT a.id, a.attempt_id, a.response, a.points, q.kind, q.answer, q.points "
        f"FROM {answers} a JOIN {questions} q ON q.id = a.question_id WHERE {where}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [param])
        rows = cursor.fetchall()
    return [
        (pk, attempt_id, _json(response), points, kind, _json(key), maximum)
        for pk, attempt_id, response, points, kind, key, maximum in rows
    ]


def grade_submitted(attempts: list[Attempt], *, now: datetime) -> None:
    """Grade attempts just submitted or closed (their status and submitted_at set by the
    caller, exam loaded), in bulk: one read of their answers with the keys, one write of
    the objective grades, one of the attempts (kefu/training/core/grading.py). Short and
    scenario answers stay pending unless blank. The caller holds the rows' locks."""
    if not attempts:
        return
    rows = _answer_rows([a.pk for a in attempts])
    marks: dict[int, list[tuple[Any, Any]]] = {a.pk: [] for a in attempts}
    graded = []
    decimals: dict[float, Decimal] = {}  # a handful of distinct values
    for pk, attempt_id, response, points, kind, key, maximum in rows:
        result = grading.grade(grading.Key(kind, key, float(maximum)), response)
        if result.points is not None:
            points = decimals.get(result.points)
            if points is None:
                points = decimals[result.points] = _decimal(result.points)
            graded.append({"id": pk, "points": points, "correct": result.correct})
        marks[attempt_id].append((points, maximum))
    fast_bulk_update(Answer, graded, ["points", "correct"])
    failed = [a for a in attempts if _score(a, marks[a.pk], now)]
    fast_bulk_update(
        Attempt,
        [
            {"id": a.pk, "status": a.status, "submitted_at": a.submitted_at, "score": a.score,
             "passed": a.passed, "graded_at": a.graded_at}
            for a in attempts
        ],
        ["status", "submitted_at", "score", "passed", "graded_at"],
    )  # fmt: skip
    for attempt in failed:
        on_exam_failed(attempt)
    for attempt in attempts:  # a passed certification or re-test may certify the agent
        if attempt.passed and attempt.exam.kind in FAILING_KINDS:
            certification_exam_graded(attempt)


def _score(attempt: Attempt, marks, now: datetime) -> bool:
    """Set the attempt's score once nothing is pending (kefu/training/core/grading.py);
    whether it has just turned failed for an exam whose failure calls on_exam_failed."""
    result = grading.total(marks)
    was_passed = attempt.passed
    if result.score is None:
        attempt.score = attempt.passed = attempt.graded_at = None
    else:
        attempt.score = _decimal(result.score)
        attempt.passed = grading.passed(result.score, attempt.exam.pass_score)
        attempt.graded_at = attempt.graded_at or now
        if attempt.status == AttemptStatus.SUBMITTED:
            attempt.status = AttemptStatus.GRADED
    return (
        attempt.passed is False and was_passed is not False and attempt.exam.kind in FAILING_KINDS
    )


# --- grading by a trainer --------------------------------------------------------------------
def _points(value: Any, maximum: Decimal) -> Decimal:
    try:
        points = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise Invalid(_("points must be a number")) from None
    if not points.is_finite() or points != points.quantize(Decimal("0.1")):
        raise Invalid(_("points have at most one decimal"))
    if not 0 <= points <= maximum:
        raise Invalid(_("points are 0 to %(max)s") % {"max": f"{maximum:g}"})
    return points.quantize(Decimal("0.1"))


def grade_answer(
    answer: Answer, points: Any, comment: str = "", *, user, now: datetime | None = None
) -> Answer:
    """A trainer grades (or re-grades) one answer of a finished attempt, 0 … the
    question's points, with a comment; audited with the points and the attempt's score
    before and after."""
    return grade_answers([(answer, points, comment)], user=user, now=now)[0]


def grade_answers(
    grades: Sequence[tuple[Answer, Any, str]], *, user, now: datetime | None = None
) -> list[Answer]:
    """Several grades at once ((answer, points, comment) each), all or none: the
    attempts re-scored once each, one audit entry per grade, the agent told when the
    score appears."""
    now = now or timezone.now()
    ids = [a.pk for a, _, _ in grades]
    if len(set(ids)) != len(ids):
        raise Invalid(_("an answer is graded twice"))
    changeable = access.restrict(Answer.objects.filter(pk__in=ids), user, access.CHANGE)
    if changeable.count() != len(ids):
        raise NotAllowed(_("only trainers grade answers"))
    with transaction.atomic():
        current = {
            a.pk: a
            for a in Answer.objects.select_for_update()
            .select_related("question")
            .filter(pk__in=ids)
        }
        if len(current) != len(ids):
            raise NotFound(_("no such answer"))
        attempts = {
            a.pk: a
            for a in Attempt.objects.select_for_update()
            .select_related("exam", "agent")
            .filter(pk__in={a.attempt_id for a in current.values()})
        }
        if any(a.status == AttemptStatus.IN_PROGRESS for a in attempts.values()):
            raise Conflict(_("the attempt is still in progress"))
        changes = []
        for answer, points, comment in grades:
            row = current[answer.pk]
            value = _points(points, row.question.points)
            changes.append((row, row.points, value))
            row.points, row.correct = value, value == row.question.points
            row.comment = (comment or "").strip()[:4000]
            row.graded_by, row.graded_at = user, now
        fields = ["points", "correct", "comment", "graded_by", "graded_at"]
        fast_bulk_update(
            Answer,
            [{"id": r.pk, "points": r.points, "correct": r.correct, "comment": r.comment,
              "graded_by_id": user.pk, "graded_at": now} for r, _b, _v in changes],
            fields,
        )  # fmt: skip
        before = {pk: (a.score, a.graded_at) for pk, a in attempts.items()}
        marks: dict[int, list[tuple[Decimal | None, Decimal]]] = {pk: [] for pk in attempts}
        rows = Answer.objects.filter(attempt_id__in=list(attempts)).values_list(
            "attempt_id", "points", "question__points"
        )
        for attempt_id, points, maximum in rows:
            marks[attempt_id].append((points, maximum))
        failed = [a for a in attempts.values() if _score(a, marks[a.pk], now)]
        fast_bulk_update(
            Attempt,
            [{"id": a.pk, "status": a.status, "score": a.score, "passed": a.passed,
              "graded_at": a.graded_at} for a in attempts.values()],
            ["status", "score", "passed", "graded_at"],
        )  # fmt: skip
        for row, points_before, value in changes:
            attempt = attempts[row.attempt_id]
            score_before = before[attempt.pk][0]
            audit(
                AUDIT,
                user=user,
                object_type="training.answer",
                object_id=str(row.pk),
                detail={
                    "attempt": attempt.pk, "exam": attempt.exam_id, "agent": attempt.agent_id,
                    "question": row.question.external_id,
                    "points_before": None if points_before is None else str(points_before),
                    "points_after": str(value),
                    "score_before": None if score_before is None else str(score_before),
                    "score_after": None if attempt.score is None else str(attempt.score),
                },
            )  # fmt: skip
        for attempt in attempts.values():
            if before[attempt.pk][1] is None and attempt.graded_at is not None:
                _notify_graded(attempt)
        for attempt in failed:
            on_exam_failed(attempt)
        for attempt in attempts.values():  # a grade that completes or lifts a passing score
            if attempt.passed and attempt.exam.kind in FAILING_KINDS:
                certification_exam_graded(attempt)
    return [current[pk] for pk in ids]


def _notify_graded(attempt: Attempt) -> None:
    user_id = attempt.agent.user_id if attempt.agent_id else None
    if user_id:
        notify(
            [user_id],
            "training.exam_graded",
            gettext_noop("Your exam %(exam)s was graded: %(score)s"),
            url=_attempt_url(attempt),
            params={"exam": attempt.exam.title, "score": f"{attempt.score:g}"},
        )
