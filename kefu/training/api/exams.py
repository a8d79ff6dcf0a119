"""Training API: question banks, questions, exams, taking an exam, results, grading.

/api/v1/training/…, the same selectors and actions as the pages. Banks and questions are
for trainers (their answers never reach anyone else). An attempt's questions come without
answer or rubric; the correct answers come with the result, after submission. Refusals
are `{"detail": …}` with 403 (not allowed), 404 (not in the caller's scope), 409 (state:
submitted, time up, no attempt left) or 422 (invalid, with `errors`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, File, Query, Router, Schema, Status, UploadedFile
from ninja.errors import HttpError

from kefu.accounts import access
from kefu.lib.errors import Conflict, Invalid
from kefu.lib.language import short_language
from kefu.lib.schemas import ErrorOut, RowId, Text
from kefu.training import question_files
from kefu.training.actions import exams as actions
from kefu.training.api._filters import filtered, query_data
from kefu.training.choices import AttemptStatus, ExamKind, QuestionKind
from kefu.training.core import question_rows
from kefu.training.core.grading import FILL, MANUAL, MULTIPLE, SINGLE, TRUE_FALSE
from kefu.training.core.question_rows import LETTERS
from kefu.training.filtersets import ExamFilterSet, QuestionFilterSet
from kefu.training.models import Attempt, Exam, Question, QuestionBank
from kefu.training.selectors import exams as selectors

router = Router(tags=["training"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
LIMIT = 500
MAX_TEXT = 5000


# --- schemas --------------------------------------------------------------------------------
class Turn(Schema):
    role: Literal["customer", "agent"]
    text: str = Field(max_length=2000)


class BankOut(Schema):
    id: int
    name: str
    description: str
    questions: int


class BankIn(Schema):
    name: str = Field(max_length=120)
    description: str = Field("", max_length=4000)


class QuestionIn(Schema):
    external_id: str = Field(max_length=question_rows.MAX_ID, description="unique in the bank")
    kind: Literal[tuple(QuestionKind.values)]  # type: ignore[valid-type]
    area: str | None = Field(None, max_length=32, description="a knowledge area's code")
    difficulty: int = Field(3, ge=1, le=5)
    points: float = Field(1, gt=0, le=100, allow_inf_nan=False, description="one decimal")
    text: str = Field(max_length=question_rows.MAX_TEXT)
    choices: list[str] = Field(default_factory=list, max_length=len(LETTERS))
    answer: list[Any] = Field(
        default_factory=list,
        max_length=50,
        description="single: [index]; multiple: [indexes] (all or nothing); true_false: "
        "[true|false]; fill: accepted texts; short, scenario: [] (graded with the rubric)",
    )
    rubric: str = Field("", max_length=question_rows.MAX_TEXT)
    excerpt: list[Turn] = Field(default_factory=list, max_length=question_rows.MAX_EXCERPT_LINES)
    active: bool = True


class QuestionOut(Schema):
    """A question with its answer: for trainers only."""

    id: int
    bank: int
    external_id: str
    kind: str
    area: str | None
    difficulty: int
    points: float
    text: str
    choices: list[str]
    answer: list[Any]
    rubric: str
    excerpt: list[dict[str, str]]
    active: bool


class PartOut(Schema):
    area: str | None
    difficulty: int | None
    kind: str | None
    count: int


class ExamOut(Schema):
    id: int
    title: str
    kind: str
    course: int | None
    course_title: str | None
    questions: int
    time_limit_minutes: int
    closed_book: bool
    attempts_allowed: int
    pass_score: int
    opens_at: datetime | None
    closes_at: datetime | None
    published: bool


class AttemptOut(Schema):
    id: int
    exam: int
    exam_title: str
    agent: str
    number: int
    status: str
    started_at: datetime
    deadline: datetime
    seconds_left: int
    overdue: bool = Field(
        description="in progress past its deadline: no answer is taken; the server closes "
        "it and grades the answers saved before the deadline (within minutes)"
    )
    submitted_at: datetime | None
    score: float | None
    passed: bool | None
    pass_score: int
    pending: int = Field(description="answers awaiting a trainer's grade")


class ExamDetail(ExamOut):
    parts: list[PartOut] | None = Field(None, description="trainers only")
    attempts_left: int | None = Field(None, description="for an agent")
    may_start: bool = False
    refusal: str | None = Field(None, description="why the caller may not start an attempt")
    current_attempt: int | None = None
    my_attempts: list[AttemptOut] = Field(default_factory=list)


class PaperQuestion(Schema):
    """A question as the agent taking the exam sees it: no answer, no rubric."""

    id: int
    position: int
    kind: str
    text: str
    points: float
    choices: list[str]
    excerpt: list[dict[str, str]]
    response: list[Any] = Field(description="the answer saved so far ([]: none)")


class PaperOut(AttemptOut):
    questions: list[PaperQuestion]


class AnswersIn(Schema):
    answers: dict[str, Any] = Field(
        default_factory=dict,
        description="question id → response: single [index] (0 = A), multiple [indexes], "
        "true_false [true|false], fill / short / scenario [text]; [] clears it",
    )


class SavedOut(Schema):
    saved: int
    seconds_left: int


class ResultAnswer(Schema):
    question: int
    position: int
    kind: str
    text: str
    choices: list[str]
    excerpt: list[dict[str, str]]
    response: list[Any]
    points: float | None
    max_points: float
    correct: bool | None
    comment: str
    answer: list[Any] | None = Field(None, description="the key, once it may be shown")
    rubric: str | None = None


class AttemptResultOut(AttemptOut):
    key_shown: bool
    answers: list[ResultAnswer]


class PendingOut(Schema):
    answer: int
    attempt: int
    exam: str
    agent: str
    question: str
    kind: str
    text: str
    excerpt: list[dict[str, str]]
    rubric: str
    response: list[Any]
    max_points: float
    submitted_at: datetime | None


class GradeIn(Schema):
    points: float = Field(ge=0, le=100, allow_inf_nan=False)
    comment: str = Field("", max_length=4000)


class GradedOut(Schema):
    answer: int
    points: float
    correct: bool | None
    attempt: AttemptOut


class ResultsOut(Schema):
    attempts: int
    graded: int
    pending: int
    in_progress: int
    overdue: int = Field(description="past their deadline, to be closed and graded")
    mean: float | None
    passed: int
    pass_rate: float | None
    rows: list[AttemptOut]


class ItemOut(Schema):
    question: str
    kind: str
    n: int
    facility: float
    sd: float | None
    discrimination: float | None
    flags: list[str]


class AnalysisOut(Schema):
    attempts: int
    items: list[ItemOut]


# --- helpers -------------------------------------------------------------------------------
def _require_trainer(request: HttpRequest) -> None:
    if not selectors.manages_exams(request.user):
        raise HttpError(403, _("only trainers manage question banks and grade"))


def _question_out(q: Question) -> dict[str, Any]:
    return {
        "id": q.pk,
        "bank": q.bank_id,
        "external_id": q.external_id,
        "kind": q.kind,
        "area": q.area.code if q.area else None,
        "difficulty": q.difficulty,
        "points": float(q.points),
        "text": q.text,
        "choices": list(q.choices),
        "answer": list(q.answer),
        "rubric": q.rubric,
        "excerpt": list(q.excerpt),
        "active": q.active,
    }


def _cells(payload: QuestionIn) -> dict[str, Any]:
    """The JSON question in the file format's cells (one set of checks for both)."""
    answer = payload.answer
    if payload.kind in (SINGLE, MULTIPLE):
        ok = all(isinstance(i, int) and not isinstance(i, bool) and 0 <= i < 8 for i in answer)
        text = question_rows.format_answer(payload.kind, answer, False) if ok else "?"
    elif payload.kind == TRUE_FALSE:
        ok = len(answer) == 1 and isinstance(answer[0], bool)
        text = question_rows.format_answer(payload.kind, answer, False) if ok else "?"
    elif payload.kind == FILL:
        ok = all(isinstance(a, str) and "|" not in a for a in answer)
        text = "|".join(answer) if ok else ""
    else:
        text = "?" if answer else ""
    cells: dict[str, Any] = {
        "id": payload.external_id,
        "type": payload.kind,
        "area": payload.area or "",
        "difficulty": str(payload.difficulty),
        "points": repr(payload.points),
        "question": payload.text,
        "answer": text,
        "rubric": payload.rubric,
        "excerpt": question_rows.format_excerpt([t.model_dump() for t in payload.excerpt], False),
        "active": "yes" if payload.active else "no",
    }
    for i, letter in enumerate(LETTERS):
        cells[letter] = payload.choices[i] if i < len(payload.choices) else ""
    return cells


_FIELDS = {"id": "external_id", "type": "kind", "question": "text"}


def _json_fields(exc: Exception) -> None:
    """Field errors named as the JSON fields (choices for A … H)."""
    for e in getattr(exc, "errors", []):
        column = e.get("field", "")
        e["field"] = "choices" if column in LETTERS else _FIELDS.get(column, column)


def _exam_out(exam: Exam) -> dict[str, Any]:
    return {
        "id": exam.pk,
        "title": exam.title,
        "kind": exam.kind,
        "course": exam.course_id,
        "course_title": exam.course.title if exam.course else None,
        "questions": sum(p.count for p in exam.parts.all()),
        "time_limit_minutes": exam.time_limit_minutes,
        "closed_book": exam.closed_book,
        "attempts_allowed": exam.attempts_allowed,
        "pass_score": exam.pass_score,
        "opens_at": exam.opens_at,
        "closes_at": exam.closes_at,
        "published": exam.published,
    }


def _attempt_out(a: Attempt) -> dict[str, Any]:
    left = (a.deadline - timezone.now()).total_seconds()
    in_progress = a.status == AttemptStatus.IN_PROGRESS
    return {
        "id": a.pk,
        "exam": a.exam_id,
        "exam_title": a.exam.title,
        "agent": a.agent.external_id,
        "number": a.number,
        "status": a.status,
        "started_at": a.started_at,
        "deadline": a.deadline,
        "seconds_left": max(0, int(left)) if in_progress else 0,
        "overdue": a.overdue,
        "submitted_at": a.submitted_at,
        "score": None if a.score is None or a.graded_at is None else float(a.score),
        "passed": a.passed if a.graded_at is not None else None,
        "pass_score": a.exam.pass_score,
        "pending": 0 if in_progress else a.answers.filter(points__isnull=True).count(),
    }


def _attempt(request: HttpRequest, attempt_id: int) -> Attempt:
    """An attempt in the caller's scope, as stored (a read never closes an overdue one)."""
    qs = selectors.attempts_visible_to(request.user).select_related("exam", "agent")
    return get_object_or_404(qs, pk=attempt_id)


def _exam(request: HttpRequest, exam_id: int) -> Exam:
    qs = selectors.exams_visible_to(request.user).select_related("course")
    return get_object_or_404(qs.prefetch_related("parts__area"), pk=exam_id)


def _paper_out(attempt: Attempt) -> dict[str, Any]:
    questions = [
        {
            "id": q.pk,
            "position": i,
            "kind": q.kind,
            "text": q.text,
            "points": float(q.points),
            "choices": list(q.choices),
            "excerpt": list(q.excerpt),
            "response": list(a.response) if a is not None else [],
        }
        for i, (q, a) in enumerate(selectors.paper(attempt), start=1)
    ]
    return _attempt_out(attempt) | {"questions": questions}


# --- banks and questions (trainers) ---------------------------------------------------------
@router.get("/training/banks", response={200: list[BankOut], **ERRORS})
def list_banks(request: HttpRequest):
    _require_trainer(request)
    qs = selectors.banks_visible_to(request.user).annotate(n=Count("questions"))
    return [
        {"id": b.pk, "name": b.name, "description": b.description, "questions": b.n}
        for b in qs.order_by("name")[:LIMIT]
    ]


@router.post("/training/banks", response={201: BankOut, **ERRORS})
def create_bank(request: HttpRequest, payload: BankIn):
    _require_trainer(request)
    bank = actions.create_bank(payload.name, payload.description, user=request.user)
    return Status(
        201, {"id": bank.pk, "name": bank.name, "description": bank.description, "questions": 0}
    )


def _bank(request: HttpRequest, bank_id: int) -> QuestionBank:
    return get_object_or_404(selectors.banks_visible_to(request.user), pk=bank_id)


class QuestionQuery(Schema):
    """Mirrors `kefu.training.filtersets.QuestionFilterSet`."""

    type: Literal[tuple(QuestionKind.values)] | None = None  # type: ignore[valid-type]
    area: Text | None = Field(None, description="a knowledge area's code")
    q: Text | None = Field(None, description="words of the question text or its id")
    active: bool | None = None


@router.get("/training/banks/{int:bank_id}/questions", response={200: list[QuestionOut], **ERRORS})
def list_questions(request: HttpRequest, bank_id: RowId, q: Query[QuestionQuery]):
    """The bank's questions with their answers (trainers), by question id (500 at most)."""
    bank = _bank(request, bank_id)
    filterset = QuestionFilterSet(
        query_data(q),
        selectors.questions_visible_to(request.user).filter(bank=bank).select_related("area"),
        user=request.user,
    )
    return [_question_out(x) for x in filtered(filterset).order_by("external_id")[:LIMIT]]


@router.post("/training/banks/{int:bank_id}/questions", response={201: QuestionOut, **ERRORS})
def create_question(request: HttpRequest, bank_id: RowId, payload: QuestionIn):
    bank = _bank(request, bank_id)
    try:
        question = actions.save_question(bank, _cells(payload), user=request.user)
    except Invalid as exc:
        _json_fields(exc)
        raise
    return Status(201, _question_out(question))


class RowProblem(Schema):
    row: int = Field(description="as numbered in the spreadsheet (the header is row 1)")
    column: str = Field(description="as headed in the file (with its letter in Excel)")
    reason: str


class ImportOut(Schema):
    created: int
    updated: int
    unchanged: int
    errors: list[RowProblem] = Field(description="the rows not imported, and why")


@router.post("/training/banks/{int:bank_id}/import", response={200: ImportOut, **ERRORS})
def import_questions(request: HttpRequest, bank_id: RowId, file: File[UploadedFile | None] = None):
    """An Excel (.xlsx) or CSV file of questions (multipart form data, field `file`; the
    format of docs/training-exams.md) into the bank (trainers). The valid rows are
    imported, the others listed in `errors`; the same file again changes nothing. 422:
    unreadable, no header, or not one valid row (then `errors` lists them)."""
    _require_trainer(request)
    bank = _bank(request, bank_id)
    if file is None:
        raise Invalid(_("send the file as multipart form data, in the field `file`"))
    if file.size is not None and file.size > question_files.MAX_BYTES:
        mb = question_files.MAX_BYTES // 1024 // 1024
        raise Invalid(_("The file is larger than %(mb)s MB: split it.") % {"mb": mb})
    report = actions.import_questions(bank, file.name or "", file.read(), user=request.user)
    return {
        "created": report.created,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "errors": report.errors,
    }


class ExportQuery(Schema):
    format: Literal["xlsx", "csv"] = "xlsx"


@router.get(
    "/training/banks/{int:bank_id}/export",
    response={200: None, **ERRORS},
    openapi_extra={
        "responses": {
            200: {
                "description": "the bank in the import format (audited)",
                "content": {question_files.XLSX_TYPE: {}, "text/csv": {}},
            }
        }
    },
)
def export_questions(request: HttpRequest, bank_id: RowId, q: Query[ExportQuery]):
    """Every question of the bank with its answer, as Excel or CSV in the import format
    (trainers; the export is audited, as on the page)."""
    _require_trainer(request)
    bank = _bank(request, bank_id)
    questions = selectors.bank_questions(request.user, bank)
    actions.record_export(bank, q.format, len(questions), user=request.user)
    zh = short_language() == "zh"
    content, content_type = question_files.export(
        question_files.rows_of(questions), q.format, zh, bank.name
    )
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="question-bank-{bank.pk}.{q.format}"'
    return response


def _question(request: HttpRequest, question_id: int) -> Question:
    qs = selectors.questions_visible_to(request.user).select_related("area", "bank")
    return get_object_or_404(qs, pk=question_id)


@router.get("/training/questions/{int:question_id}", response={200: QuestionOut, **ERRORS})
def get_question(request: HttpRequest, question_id: RowId):
    return _question_out(_question(request, question_id))


@router.put("/training/questions/{int:question_id}", response={200: QuestionOut, **ERRORS})
def update_question(request: HttpRequest, question_id: RowId, payload: QuestionIn):
    question = _question(request, question_id)
    try:
        question = actions.save_question(
            question.bank, _cells(payload), user=request.user, question=question
        )
    except Invalid as exc:
        _json_fields(exc)
        raise
    return _question_out(question)


# --- exams -----------------------------------------------------------------------------------
class ExamQuery(Schema):
    """Mirrors `kefu.training.filtersets.ExamFilterSet`."""

    kind: Literal[tuple(ExamKind.values)] | None = None  # type: ignore[valid-type]
    course: RowId | None = None
    published: bool | None = Field(None, description="trainers: drafts are theirs only")


@router.get("/training/exams", response={200: list[ExamOut], **ERRORS})
def list_exams(request: HttpRequest, q: Query[ExamQuery]):
    """Exams the caller sees: published ones (trainers: every one), newest first."""
    filterset = ExamFilterSet(query_data(q), selectors.exam_list(request.user), user=request.user)
    return [_exam_out(e) for e in filtered(filterset)[:LIMIT]]


@router.get("/training/exams/{int:exam_id}", response={200: ExamDetail, **ERRORS})
def get_exam(request: HttpRequest, exam_id: RowId):
    exam = _exam(request, exam_id)
    out = _exam_out(exam)
    if selectors.manages_exams(request.user):
        out["parts"] = [
            {"area": p.area.code if p.area else None, "difficulty": p.difficulty,
             "kind": p.kind or None, "count": p.count}
            for p in exam.parts.all()
        ]  # fmt: skip
    agent_id = access.own_agent_id(request.user)
    if agent_id is not None:
        refusal = selectors.refusal_to_start(exam, agent_id)
        current = selectors.open_attempt(exam, agent_id)
        mine = Attempt.objects.filter(exam=exam, agent_id=agent_id).select_related("exam", "agent")
        out |= {
            "attempts_left": selectors.attempts_left(exam, agent_id),
            "may_start": refusal is None or current is not None,
            "refusal": None if current is not None or refusal is None else _(refusal),
            "current_attempt": current.pk if current else None,
            "my_attempts": [_attempt_out(a) for a in mine.order_by("number")],
        }
    else:
        out["refusal"] = _("only agents take exams")
    return out


@router.post(
    "/training/exams/{int:exam_id}/attempts", response={200: PaperOut, 201: PaperOut, **ERRORS}
)
def start_attempt(request: HttpRequest, exam_id: RowId):
    """Start an attempt (201; its questions drawn, its deadline fixed), or get back the
    one in progress (200). The questions come without answers."""
    exam = _exam(request, exam_id)
    agent_id = access.own_agent_id(request.user)
    before = selectors.open_attempt(exam, agent_id) if agent_id is not None else None
    attempt = actions.start_attempt(exam, user=request.user)
    attempt = Attempt.objects.select_related("exam", "agent").get(pk=attempt.pk)
    return Status(
        200 if before is not None and before.pk == attempt.pk else 201, _paper_out(attempt)
    )


@router.get("/training/attempts/{int:attempt_id}", response={200: AttemptOut, **ERRORS})
def get_attempt(request: HttpRequest, attempt_id: RowId):
    return _attempt_out(_attempt(request, attempt_id))


@router.get("/training/attempts/{int:attempt_id}/questions", response={200: PaperOut, **ERRORS})
def attempt_questions(request: HttpRequest, attempt_id: RowId):
    """The attempt's questions in order, with the responses saved; never the answers."""
    attempt = _attempt(request, attempt_id)
    if not selectors.may_see_questions(request.user, attempt):
        raise HttpError(403, _("only the agent taking the exam sees its questions"))
    return _paper_out(attempt)


@router.put("/training/attempts/{int:attempt_id}/answers", response={200: SavedOut, **ERRORS})
def save_answers(request: HttpRequest, attempt_id: RowId, payload: AnswersIn):
    """Save answers of the attempt in progress (the agent taking it, before the deadline;
    only questions drawn for it)."""
    attempt = _attempt(request, attempt_id)
    attempt = actions.save_answers(attempt, payload.answers, user=request.user)
    left = max(0, int((attempt.deadline - timezone.now()).total_seconds()))
    return {"saved": len(payload.answers), "seconds_left": left}


@router.post(
    "/training/attempts/{int:attempt_id}/submit", response={200: AttemptResultOut, **ERRORS}
)
def submit(request: HttpRequest, attempt_id: RowId, payload: AnswersIn):
    """Submit (with a last save of `answers`): graded at once, short and scenario answers
    then wait for a trainer. Refused after the deadline and when already submitted."""
    attempt = _attempt(request, attempt_id)
    actions.submit_attempt(attempt, user=request.user, responses=payload.answers)
    return _result(request, Attempt.objects.select_related("exam", "agent").get(pk=attempt.pk))


def _result(request: HttpRequest, attempt: Attempt) -> dict[str, Any]:
    key = selectors.may_see_key(request.user, attempt)
    answers = []
    for i, (q, a) in enumerate(selectors.paper(attempt), start=1):
        answers.append(
            {
                "question": q.pk,
                "position": i,
                "kind": q.kind,
                "text": q.text,
                "choices": list(q.choices),
                "excerpt": list(q.excerpt),
                "response": list(a.response) if a else [],
                "points": None if a is None or a.points is None else float(a.points),
                "max_points": float(q.points),
                "correct": a.correct if a else None,
                "comment": a.comment if a else "",
                "answer": list(q.answer) if key and q.kind not in MANUAL else None,
                "rubric": q.rubric if key else None,
            }
        )
    return _attempt_out(attempt) | {"key_shown": key, "answers": answers}


@router.get(
    "/training/attempts/{int:attempt_id}/result", response={200: AttemptResultOut, **ERRORS}
)
def result(request: HttpRequest, attempt_id: RowId):
    """After submission: score, pass or fail, each answer's points; the correct answers
    once they may be shown (to the agent: no attempt left, or passed)."""
    attempt = _attempt(request, attempt_id)
    if attempt.overdue:
        raise Conflict(_("the time is up: the answers saved before the deadline are being graded"))
    if attempt.status == AttemptStatus.IN_PROGRESS:
        raise Conflict(_("the attempt is not submitted yet"))
    return _result(request, attempt)


# --- results, analysis, grading ---------------------------------------------------------------
@router.get("/training/exams/{int:exam_id}/results", response={200: ResultsOut, **ERRORS})
def exam_results(request: HttpRequest, exam_id: RowId):
    """The exam's attempts in the caller's scope and their summary."""
    exam = _exam(request, exam_id)
    attempts, summary = selectors.exam_results(request.user, exam)
    for a in attempts:
        a.exam = exam
    return {**summary.__dict__, "rows": [_attempt_out(a) for a in attempts[:LIMIT]]}


@router.get("/training/exams/{int:exam_id}/item-analysis", response={200: AnalysisOut, **ERRORS})
def item_analysis(request: HttpRequest, exam_id: RowId):
    """Facility and discrimination index per question (Moodle's; docs/training-exams.md)."""
    _require_trainer(request)
    exam = _exam(request, exam_id)
    rows, analysed = selectors.item_analysis_of(request.user, exam)
    return {
        "attempts": analysed,
        "items": [
            {
                "question": r.question.external_id,
                "kind": r.question.kind,
                "n": r.stats.n,
                "facility": r.stats.facility,
                "sd": r.stats.sd,
                "discrimination": r.stats.discrimination,
                "flags": list(r.stats.flags),
            }
            for r in rows
        ],
    }


@router.get("/training/grading", response={200: list[PendingOut], **ERRORS})
def pending(request: HttpRequest):
    """Answers waiting for a trainer's grade (oldest submission first), with the rubric."""
    _require_trainer(request)
    qs = selectors.pending_answers(request.user)[:LIMIT]
    return [
        {
            "answer": a.pk,
            "attempt": a.attempt_id,
            "exam": a.attempt.exam.title,
            "agent": a.attempt.agent.external_id,
            "question": a.question.external_id,
            "kind": a.question.kind,
            "text": a.question.text,
            "excerpt": list(a.question.excerpt),
            "rubric": a.question.rubric,
            "response": list(a.response),
            "max_points": float(a.question.points),
            "submitted_at": a.attempt.submitted_at,
        }
        for a in qs
    ]


@router.post("/training/answers/{int:answer_id}/grade", response={200: GradedOut, **ERRORS})
def grade(request: HttpRequest, answer_id: RowId, payload: GradeIn):
    """A trainer grades (or changes the grade of) one answer of a submitted attempt;
    audited. The attempt's score is set once no answer is pending."""
    answer = get_object_or_404(
        selectors.answers_visible_to(request.user).select_related("attempt"), pk=answer_id
    )
    graded = actions.grade_answer(answer, payload.points, payload.comment, user=request.user)
    attempt = Attempt.objects.select_related("exam", "agent").get(pk=answer.attempt_id)
    return {
        "answer": graded.pk,
        "points": float(graded.points),
        "correct": graded.correct,
        "attempt": _attempt_out(attempt),
    }
