"""Training pages: question banks, exams, taking an exam, results, grading, item analysis,
pre-test vs post-test. Views parse, call an action or a selector, render; who sees what is
decided by kefu.accounts.access through kefu/training/selectors/exams.py."""

from __future__ import annotations

import re
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext
from django.views.decorators.http import require_http_methods, require_POST

from kefu.accounts import access
from kefu.core.params import parse_id
from kefu.lib.errors import ActionError
from kefu.lib.language import short_language
from kefu.training import question_files
from kefu.training.actions import exams as actions
from kefu.training.choices import AttemptStatus, ExamKind
from kefu.training.core import item_analysis
from kefu.training.core.grading import FILL, MULTIPLE, SINGLE, TRUE_FALSE
from kefu.training.core.question_rows import LETTERS
from kefu.training.filtersets import ExamFilterSet, QuestionFilterSet
from kefu.training.forms.exams import (
    BankForm,
    ExamForm,
    GradeForm,
    ImportForm,
    PartFormSet,
    QuestionForm,
)
from kefu.training.models import Attempt, Exam, Question, QuestionBank, TrainingSettings
from kefu.training.selectors import exams as selectors
from kefu.training.views._common import refused, require_trainer

QUESTION_LIST_LIMIT = 500
FIELD = re.compile(r"^q(\d{1,19})$")


def _zh() -> bool:
    return short_language() == "zh"


def _exam(request: HttpRequest, exam_id: int) -> Exam:
    qs = selectors.exams_visible_to(request.user).select_related("course", "bank", "session")
    return get_object_or_404(qs, pk=exam_id)


def _attempt(request: HttpRequest, attempt_id: int) -> Attempt:
    qs = selectors.attempts_visible_to(request.user).select_related(
        "exam__bank", "exam__course", "agent__team"
    )
    return get_object_or_404(qs, pk=attempt_id)


def _bank(request: HttpRequest, bank_id: int) -> QuestionBank:
    require_trainer(request)
    return get_object_or_404(selectors.banks_visible_to(request.user), pk=bank_id)


def _question_count(exam: Exam) -> int:
    return sum(p.count for p in exam.parts.all())


# --- the list --------------------------------------------------------------------------------
@login_required
def index(request: HttpRequest) -> HttpResponse:
    user = request.user
    agent_id = access.own_agent_id(user)
    manages = selectors.manages_exams(user)
    filterset = ExamFilterSet(request.GET, selectors.exam_list(user), user=user)
    exams = list(filterset.qs)  # an invalid filter is shown on its field, not applied
    rows = []
    mine = []
    if agent_id is not None:
        mine = list(selectors.my_attempts(agent_id).order_by("-started_at", "-pk")[:50])
    by_exam: dict[int, list[Attempt]] = {}
    for a in mine:
        by_exam.setdefault(a.exam_id, []).append(a)
    now = timezone.now()
    for exam in exams:
        attempts = by_exam.get(exam.pk, [])
        graded = [a.score for a in attempts if a.graded_at is not None and a.score is not None]
        current = next(
            (a for a in attempts if a.status == AttemptStatus.IN_PROGRESS and not a.overdue), None
        )
        rows.append(
            {
                "exam": exam,
                "questions": _question_count(exam),
                "used": len(attempts),
                "best": max(graded) if graded else None,
                "current": current,
                "last": attempts[0] if attempts else None,
                "refusal": selectors.refusal_to_start(exam, agent_id, now)
                if agent_id is not None
                else None,
            }
        )
    context = {
        "tab": "exams",
        "rows": rows,
        "filters": filterset.form,
        "filtered": bool(filterset.applied),
        "mine": mine,
        "is_agent": agent_id is not None,
        "manages": manages,
        "pending": selectors.pending_answers(user).count() if manages else 0,
    }
    return render(request, "training/exams/index.html", context)


# --- question banks --------------------------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def banks(request: HttpRequest) -> HttpResponse:
    require_trainer(request)
    form = BankForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            bank = actions.create_bank(
                form.cleaned_data["name"], form.cleaned_data["description"], user=request.user
            )
            messages.success(request, _("Question bank created."))
            return redirect("training:bank", bank.pk)
        except ActionError as exc:
            form.add_error(None, _(exc.detail))
    rows = (
        selectors.banks_visible_to(request.user)
        .annotate(
            total=Count("questions", distinct=True),
            active_count=Count("questions", filter=Q(questions__active=True), distinct=True),
            exam_count=Count("exams", distinct=True),
        )
        .order_by("name")
    )
    return render(
        request, "training/exams/banks.html", {"tab": "exams", "banks": rows, "form": form}
    )


def _bank_page(
    request: HttpRequest, bank: QuestionBank, *, status: int = 200, **extra: Any
) -> HttpResponse:
    filterset = QuestionFilterSet(
        request.GET,
        selectors.questions_visible_to(request.user).filter(bank=bank).select_related("area"),
        user=request.user,
    )
    qs = filterset.qs  # an invalid filter is shown on its field, not applied
    total = qs.count()
    context = {
        "tab": "exams",
        "bank": bank,
        "questions": list(qs.order_by("external_id")[:QUESTION_LIST_LIMIT]),
        "total": total,
        "limit": QUESTION_LIST_LIMIT,
        "filters": filterset.form,
        "import_form": extra.pop("import_form", None) or ImportForm(),
        **extra,
    }
    return render(request, "training/exams/bank.html", context, status=status)


@login_required
def bank(request: HttpRequest, bank_id: int) -> HttpResponse:
    return _bank_page(request, _bank(request, bank_id))


@login_required
@require_POST
def bank_import(request: HttpRequest, bank_id: int) -> HttpResponse:
    target = _bank(request, bank_id)
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _bank_page(request, target, status=422, import_form=form)
    upload = form.cleaned_data["file"]
    if upload.size > question_files.MAX_BYTES:
        form.add_error("file", _("The file is larger than %(mb)s MB: split it.") % {"mb": 5})
        return _bank_page(request, target, status=422, import_form=form)
    try:
        report = actions.import_questions(target, upload.name, upload.read(), user=request.user)
    except ActionError as exc:
        return _bank_page(
            request,
            target,
            status=422,
            import_form=form,
            import_error=_(exc.detail),
            import_errors=exc.errors,
            file_name=upload.name,
        )
    messages.success(
        request,
        _("Imported %(name)s: %(created)s new, %(updated)s updated, %(unchanged)s unchanged.")
        % {
            "name": upload.name,
            "created": report.created,
            "updated": report.updated,
            "unchanged": report.unchanged,
        },
    )
    if not report.errors:
        return redirect("training:bank", target.pk)
    # The valid rows are in; the others are listed on the page, to fix and import again.
    refused = len({e["row"] for e in report.errors})
    return _bank_page(
        request,
        target,
        import_error=ngettext(
            "%(n)s row was not imported: fix it and import the file again (the rows "
            "already in change nothing).",
            "%(n)s rows were not imported: fix them and import the file again (the rows "
            "already in change nothing).",
            refused,
        )
        % {"n": refused},
        import_errors=report.errors,
        file_name=upload.name,
    )


def _download(content: bytes | str, name: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _file(items, file_format: str, title: str, name: str) -> HttpResponse:
    content, content_type = question_files.export(items, file_format, _zh(), title)
    return _download(content, f"{name}.{file_format}", content_type)


@login_required
def bank_export(request: HttpRequest, bank_id: int) -> HttpResponse:
    target = _bank(request, bank_id)
    file_format = "csv" if request.GET.get("format") == "csv" else "xlsx"
    questions = selectors.bank_questions(request.user, target)
    actions.record_export(target, file_format, len(questions), user=request.user)
    return _file(
        question_files.rows_of(questions), file_format, target.name, f"question-bank-{target.pk}"
    )


@login_required
def bank_template(request: HttpRequest) -> HttpResponse:
    require_trainer(request)
    file_format = "csv" if request.GET.get("format") == "csv" else "xlsx"
    return _file(
        question_files.sample_rows(),
        file_format,
        pgettext("exam", "Questions"),
        "question-bank-template",
    )


@login_required
@require_http_methods(["GET", "POST"])
def question_new(request: HttpRequest, bank_id: int) -> HttpResponse:
    target = _bank(request, bank_id)
    return _question_form(request, target, None)


@login_required
@require_http_methods(["GET", "POST"])
def question_edit(request: HttpRequest, question_id: int) -> HttpResponse:
    require_trainer(request)
    question = get_object_or_404(
        selectors.questions_visible_to(request.user).select_related("bank", "area"),
        pk=question_id,
    )
    return _question_form(request, question.bank, question)


def _question_form(
    request: HttpRequest, target: QuestionBank, question: Question | None
) -> HttpResponse:
    initial = QuestionForm.initial_for(question, _zh()) if question else None
    form = QuestionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = actions.save_question(
                target, form.values(), user=request.user, question=question
            )
            messages.success(request, _("Question %(id)s saved.") % {"id": saved.external_id})
            return redirect("training:bank", target.pk)
        except ActionError as exc:
            form.add_column_errors(exc.errors)
            if not exc.errors:
                form.add_error(None, _(exc.detail))
    context = {"tab": "exams", "bank": target, "question": question, "form": form}
    return render(request, "training/exams/question_form.html", context)


# --- exams -----------------------------------------------------------------------------------
def _parts_initial(exam: Exam | None) -> list[dict[str, Any]]:
    if exam is None:
        return []
    return [
        {"area": p.area_id, "difficulty": p.difficulty, "kind": p.kind, "count": p.count}
        for p in exam.parts.all()
    ]


def _parts(formset) -> list[actions.PartSpec]:
    out = []
    for f in formset.forms:
        data = getattr(f, "cleaned_data", None) or {}
        if not data or data.get("DELETE") or not data.get("count"):
            continue
        out.append(
            actions.PartSpec(
                count=data["count"],
                area=data.get("area"),
                difficulty=data.get("difficulty"),
                kind=data.get("kind") or "",
            )
        )
    return out


@login_required
@require_http_methods(["GET", "POST"])
def exam_new(request: HttpRequest) -> HttpResponse:
    require_trainer(request)
    return _exam_form(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def exam_edit(request: HttpRequest, exam_id: int) -> HttpResponse:
    require_trainer(request)
    exam = get_object_or_404(
        selectors.exams_changeable_by(request.user).select_related("bank"), pk=exam_id
    )
    return _exam_form(request, exam)


def _exam_form(request: HttpRequest, exam: Exam | None) -> HttpResponse:
    banks_qs = selectors.banks_visible_to(request.user).order_by("name")
    if exam is not None:
        initial = {
            f: getattr(exam, f)
            for f in ("title", "kind", "time_limit_minutes", "closed_book", "attempts_allowed",
                      "pass_score", "published")
        }  # fmt: skip
        initial |= {
            "course": exam.course_id,
            "bank": exam.bank_id,
            "session": exam.session_id,
            "opens_at": timezone.localtime(exam.opens_at) if exam.opens_at else None,
            "closes_at": timezone.localtime(exam.closes_at) if exam.closes_at else None,
        }
    else:
        initial = {"pass_score": TrainingSettings.current().pass_score}
        if request.GET.get("bank"):
            initial["bank"] = parse_id(request.GET["bank"])
    form = ExamForm(request.POST or None, initial=initial, banks=banks_qs)
    formset = PartFormSet(request.POST or None, initial=_parts_initial(exam), prefix="parts")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            saved = actions.save_exam(
                form.cleaned_data, _parts(formset), user=request.user, exam=exam
            )
            messages.success(request, _("Exam saved."))
            return redirect("training:exam", saved.pk)
        except ActionError as exc:
            form.add_error(None, _(exc.detail))
    context = {"tab": "exams", "exam": exam, "form": form, "formset": formset}
    return render(request, "training/exams/exam_form.html", context)


@login_required
def exam_detail(request: HttpRequest, exam_id: int) -> HttpResponse:
    exam = _exam(request, exam_id)
    user = request.user
    agent_id = access.own_agent_id(user)
    now = timezone.now()
    context: dict[str, Any] = {"tab": "exams", "exam": exam, "questions": _question_count(exam)}
    context["is_agent"] = agent_id is not None
    if agent_id is not None:
        context["my_attempts"] = list(
            Attempt.objects.filter(exam=exam, agent_id=agent_id).order_by("-number")
        )
        context["current"] = selectors.open_attempt(exam, agent_id)
        context["refusal"] = selectors.refusal_to_start(exam, agent_id, now)
        context["left"] = selectors.attempts_left(exam, agent_id)
    if selectors.manages_exams(user):
        context["parts"] = selectors.part_availability(exam)
        context["manages"] = True
    return render(request, "training/exams/exam.html", context)


@login_required
@require_POST
def exam_start(request: HttpRequest, exam_id: int) -> HttpResponse:
    exam = _exam(request, exam_id)
    try:
        attempt = actions.start_attempt(exam, user=request.user)
    except ActionError as exc:
        refused(request, exc)
        return redirect("training:exam", exam.pk)
    return redirect("training:attempt_take", attempt.pk)


# --- taking an exam --------------------------------------------------------------------------
def _responses(request: HttpRequest, attempt: Attempt) -> dict[Any, Any]:
    """{question id: response} from the taking form: every drawn question (a question
    left blank saves as unanswered), plus any other `q<id>` field sent (refused)."""
    kinds = dict(Question.objects.filter(pk__in=attempt.question_ids).values_list("pk", "kind"))
    ids = list(attempt.question_ids)
    ids += [int(m.group(1)) for k in request.POST if (m := FIELD.match(k))]
    out: dict[Any, Any] = {}
    for qid in dict.fromkeys(ids):
        kind = kinds.get(qid)
        values = request.POST.getlist(f"q{qid}")
        if kind in (SINGLE, MULTIPLE):
            out[qid] = [int(v) if v.isascii() and v.isdigit() and len(v) < 4 else v for v in values]
        elif kind == TRUE_FALSE:
            truth = {"true": True, "false": False}
            out[qid] = [truth.get(v, v) for v in values]
        else:
            out[qid] = values[:1] if values and values[0].strip() else []
    return out


def _items(paper, *, key: bool) -> list[dict[str, Any]]:
    """What a page shows of each question: the choices with the agent's selection, the
    text answered; and, only when `key` (after submission), what was right. The answer
    and the rubric are not in the context otherwise, so no template can show them."""
    items = []
    for q, answer in paper:
        response = list(answer.response) if answer is not None else []
        item: dict[str, Any] = {
            # Not the model: its `answer` and `rubric` stay out of the page's reach.
            "q": {
                "pk": q.pk,
                "kind": q.kind,
                "kind_label": q.get_kind_display(),
                "text": q.text,
                "points": q.points,
                "excerpt": q.excerpt,
                "external_id": q.external_id if key else "",
            },
            "answer": answer,
            "choices": [
                {
                    "index": i,
                    "letter": LETTERS[i],
                    "text": text,
                    "chosen": i in response,
                    "right": key and i in q.answer,
                }
                for i, text in enumerate(q.choices[: len(LETTERS)])
            ],
            "truth": response[0] if q.kind == TRUE_FALSE and response else None,
            "text": response[0]
            if q.kind not in (SINGLE, MULTIPLE, TRUE_FALSE) and response
            else "",
        }
        if key:
            item["key_truth"] = q.answer[0] if q.kind == TRUE_FALSE and q.answer else None
            item["key_texts"] = list(q.answer) if q.kind == FILL else []
            item["rubric"] = q.rubric
        items.append(item)
    return items


def _taker_or_refuse(request: HttpRequest, attempt: Attempt) -> None:
    if attempt.agent_id != access.own_agent_id(request.user):
        raise PermissionDenied


@login_required
@require_http_methods(["GET", "POST"])
def attempt_take(request: HttpRequest, attempt_id: int) -> HttpResponse:
    attempt = _attempt(request, attempt_id)
    _taker_or_refuse(request, attempt)
    if request.method == "POST":
        if request.POST.get("action") == "close":  # time is up: grade what was saved now
            actions.close_if_overdue(attempt)
            return redirect("training:attempt", attempt.pk)
        submit = request.POST.get("action") == "submit"
        try:
            if submit:
                actions.submit_attempt(
                    attempt, user=request.user, responses=_responses(request, attempt)
                )
                messages.success(request, _("Submitted."))
                return redirect("training:attempt", attempt.pk)
            actions.save_answers(attempt, _responses(request, attempt), user=request.user)
            messages.success(request, _("Answers saved."))
        except ActionError as exc:
            refused(request, exc)
        return redirect("training:attempt_take", attempt.pk)
    if attempt.status != AttemptStatus.IN_PROGRESS or attempt.overdue:
        return redirect("training:attempt", attempt.pk)  # a read: an overdue one stays so
    context = {
        "attempt": attempt,
        "exam": attempt.exam,
        "items": _items(selectors.paper(attempt), key=False),
        "seconds_left": max(0, int((attempt.deadline - timezone.now()).total_seconds())),
    }
    return render(request, "training/exams/take.html", context)


@login_required
@require_POST
def attempt_save(request: HttpRequest, attempt_id: int) -> HttpResponse:
    """The taking page's autosave (JSON)."""
    attempt = _attempt(request, attempt_id)
    try:
        actions.save_answers(attempt, _responses(request, attempt), user=request.user)
    except ActionError as exc:
        return JsonResponse({"detail": _(exc.detail), "errors": exc.errors}, status=exc.status)
    return JsonResponse({"saved_at": timezone.localtime().strftime("%H:%M:%S")})


@login_required
def attempt_detail(request: HttpRequest, attempt_id: int) -> HttpResponse:
    attempt = _attempt(request, attempt_id)
    mine = attempt.agent_id == access.own_agent_id(request.user)
    if attempt.status == AttemptStatus.IN_PROGRESS and mine and not attempt.overdue:
        return redirect("training:attempt_take", attempt.pk)
    show_questions = selectors.may_see_questions(request.user, attempt)
    show_key = selectors.may_see_key(request.user, attempt)
    context = {
        "tab": "exams",
        "attempt": attempt,
        "exam": attempt.exam,
        "mine": mine,
        "show_questions": show_questions,
        "items": _items(selectors.paper(attempt), key=show_key) if show_questions else [],
        "show_key": show_key,
        "may_grade": access.allows(request.user, attempt, access.CHANGE),
    }
    return render(request, "training/exams/attempt.html", context)


# --- results, grading, analysis --------------------------------------------------------------
@login_required
def exam_results(request: HttpRequest, exam_id: int) -> HttpResponse:
    exam = _exam(request, exam_id)
    attempts, summary = selectors.exam_results(request.user, exam)
    context = {
        "tab": "exams",
        "exam": exam,
        "attempts": attempts,
        "summary": summary,
        "manages": selectors.manages_exams(request.user),
    }
    return render(request, "training/exams/results.html", context)


@login_required
def exam_analysis(request: HttpRequest, exam_id: int) -> HttpResponse:
    require_trainer(request)
    exam = _exam(request, exam_id)
    rows, analysed = selectors.item_analysis_of(request.user, exam)
    context = {
        "tab": "exams",
        "exam": exam,
        "rows": rows,
        "analysed": analysed,
        "too_easy": item_analysis.TOO_EASY_AT,
        "too_hard": item_analysis.TOO_HARD_BELOW,
        "weak": item_analysis.WEAK_DISCRIMINATION_BELOW,
        "min_attempts": item_analysis.MIN_ATTEMPTS,
    }
    return render(request, "training/exams/analysis.html", context)


@login_required
def grading_queue(request: HttpRequest) -> HttpResponse:
    require_trainer(request)
    groups: dict[int, dict[str, Any]] = {}
    for answer in selectors.pending_answers(request.user)[:1000]:
        group = groups.setdefault(answer.attempt_id, {"attempt": answer.attempt, "count": 0})
        group["count"] += 1
    return render(
        request, "training/exams/grading.html", {"tab": "exams", "groups": list(groups.values())}
    )


@login_required
@require_http_methods(["GET", "POST"])
def attempt_grade(request: HttpRequest, attempt_id: int) -> HttpResponse:
    require_trainer(request)
    attempt = _attempt(request, attempt_id)
    if not access.allows(request.user, attempt, access.CHANGE):
        raise PermissionDenied
    if request.method == "POST":
        answer_id = parse_id(request.POST.get("answer", ""))
        answer = (
            selectors.answers_gradable_by(request.user)
            .filter(attempt=attempt, pk=answer_id or 0)
            .select_related("attempt")
            .first()
        )
        if answer is None:
            raise Http404
        form = GradeForm(request.POST)
        if form.is_valid():
            try:
                actions.grade_answer(
                    answer,
                    form.cleaned_data["points"],
                    form.cleaned_data["comment"],
                    user=request.user,
                )
                messages.success(request, _("Grade saved."))
            except ActionError as exc:
                refused(request, exc)
        else:
            messages.error(request, _("Points are a number from 0 to the question's points."))
        return redirect(reverse("training:attempt_grade", args=[attempt.pk]) + f"#a{answer.pk}")
    context = {
        "tab": "exams",
        "attempt": attempt,
        "exam": attempt.exam,
        "items": _items(selectors.paper(attempt), key=True),
    }
    return render(request, "training/exams/grade.html", context)


@login_required
def pre_post(request: HttpRequest) -> HttpResponse:
    course_id = parse_id(request.GET.get("course", ""))
    rows = selectors.pre_post(request.user, course_id)
    return render(
        request,
        "training/exams/prepost.html",
        {"tab": "exams", "rows": rows, "kinds": (ExamKind.PRE, ExamKind.POST)},
    )


urls = [
    path("exams/", index, name="exams"),
    path("exams/new/", exam_new, name="exam_new"),
    path("exams/<int:exam_id>/", exam_detail, name="exam"),
    path("exams/<int:exam_id>/edit/", exam_edit, name="exam_edit"),
    path("exams/<int:exam_id>/start/", exam_start, name="exam_start"),
    path("exams/<int:exam_id>/results/", exam_results, name="exam_results"),
    path("exams/<int:exam_id>/analysis/", exam_analysis, name="exam_analysis"),
    path("exams/attempts/<int:attempt_id>/", attempt_detail, name="attempt"),
    path("exams/attempts/<int:attempt_id>/take/", attempt_take, name="attempt_take"),
    path("exams/attempts/<int:attempt_id>/save/", attempt_save, name="attempt_save"),
    path("exams/attempts/<int:attempt_id>/grade/", attempt_grade, name="attempt_grade"),
    path("exams/grading/", grading_queue, name="grading"),
    path("exams/pre-post/", pre_post, name="prepost"),
    path("exams/banks/", banks, name="banks"),
    path("exams/banks/template/", bank_template, name="bank_template"),
    path("exams/banks/<int:bank_id>/", bank, name="bank"),
    path("exams/banks/<int:bank_id>/import/", bank_import, name="bank_import"),
    path("exams/banks/<int:bank_id>/export/", bank_export, name="bank_export"),
    path("exams/banks/<int:bank_id>/questions/new/", question_new, name="question_new"),
    path("exams/questions/<int:question_id>/", question_edit, name="question"),
]
