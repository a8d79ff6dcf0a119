"""Forms of the question-bank and exam pages. They parse; the checks that matter are the
actions' (kefu/training/actions/exams.py) and the file format's core."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.forms import formset_factory
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kefu.core.params import parse_id
from kefu.training.choices import ExamKind, QuestionKind, SessionStatus
from kefu.training.core import question_rows
from kefu.training.core.drawing import MAX_QUESTIONS
from kefu.training.core.question_rows import LETTERS
from kefu.training.models import Area, Course, Question, TrainingSession

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self) -> None:
        super().__init__(format=DATETIME_FORMAT)


class BankForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    description = forms.CharField(
        label=_("Description"), required=False, max_length=4000, widget=forms.Textarea({"rows": 2})
    )


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Excel (.xlsx) or CSV file"),
        widget=forms.ClearableFileInput({"accept": ".xlsx,.csv,text/csv"}),
    )


# Question form field → the column of the file format it fills (errors come back by column).
QUESTION_COLUMNS = {
    "external_id": "id", "kind": "type", "area": "area", "difficulty": "difficulty",
    "points": "points", "text": "question", "answer": "answer", "rubric": "rubric",
    "excerpt": "excerpt", "active": "active",
}  # fmt: skip


class QuestionForm(forms.Form):
    external_id = forms.CharField(
        label=_("Question id"),
        max_length=question_rows.MAX_ID,
        help_text=_("Unique in the bank; imports match questions by it."),
    )
    kind = forms.ChoiceField(label=pgettext_lazy("exam", "Type"), choices=QuestionKind.choices)
    area = forms.ModelChoiceField(
        label=_("Knowledge area"), queryset=Area.objects.order_by("code"), required=False
    )
    difficulty = forms.TypedChoiceField(
        label=_("Difficulty (1–5)"), choices=[(i, str(i)) for i in range(1, 6)], coerce=int,
        initial=3,
    )  # fmt: skip
    points = forms.DecimalField(
        label=_("Points"), min_value=0.1, max_value=100, decimal_places=1, initial=1
    )
    text = forms.CharField(
        label=pgettext_lazy("exam", "Question"),
        max_length=question_rows.MAX_TEXT,
        widget=forms.Textarea({"rows": 3}),
    )
    choices = forms.CharField(
        label=_("Choices (one a line, A to H)"),
        required=False,
        widget=forms.Textarea({"rows": 4}),
        help_text=_("Single and multiple choice only."),
    )
    answer = forms.CharField(
        label=pgettext_lazy("exam", "Answer"),
        required=False,
        max_length=2000,
        help_text=_(
            "Single: a letter (B); multiple: letters (ACD, all or nothing); true/false: "
            "对 or 错; fill-in: the accepted answers separated by | (width, case and spaces "
            "do not matter); short answer and scenario: empty (graded with the rubric)."
        ),
    )
    rubric = forms.CharField(
        label=_("Grading rubric"),
        required=False,
        max_length=question_rows.MAX_TEXT,
        widget=forms.Textarea({"rows": 3}),
        help_text=_("Required for short-answer and scenario questions: what earns the points."),
    )
    excerpt = forms.CharField(
        label=_("Conversation excerpt"),
        required=False,
        widget=forms.Textarea({"rows": 4}),
        help_text=_("Scenario questions: one turn a line, starting with 客户： or 客服：."),
    )
    active = forms.BooleanField(label=_("Active (drawn into exams)"), required=False, initial=True)

    def values(self) -> dict[str, Any]:
        """The cells of the question in the file format (kefu.training.core.question_rows)."""
        data = self.cleaned_data
        lines = [c.strip() for c in (data.get("choices") or "").splitlines() if c.strip()]
        values: dict[str, Any] = {
            "id": data.get("external_id", ""),
            "type": data.get("kind", ""),
            "area": data["area"].code if data.get("area") else "",
            "difficulty": str(data.get("difficulty") or ""),
            "points": str(data.get("points") or ""),
            "question": data.get("text", ""),
            "answer": data.get("answer", ""),
            "rubric": data.get("rubric", ""),
            "excerpt": data.get("excerpt", ""),
            "active": "yes" if data.get("active") else "no",
        }
        for i, letter in enumerate(LETTERS):
            values[letter] = lines[i] if i < len(lines) else ""
        if len(lines) > len(LETTERS):
            values["H"] = "\n".join(lines[len(LETTERS) - 1 :])  # too long → an error on H
        return values

    def add_column_errors(self, errors: list[dict[str, Any]]) -> None:
        by_column = {v: k for k, v in QUESTION_COLUMNS.items()}
        for e in errors:
            column = e.get("field", "")
            field = "choices" if column in LETTERS else by_column.get(column)
            self.add_error(field, e.get("reason", ""))

    @classmethod
    def initial_for(cls, q: Question, zh: bool) -> dict[str, Any]:
        return {
            "external_id": q.external_id,
            "kind": q.kind,
            "area": q.area_id,
            "difficulty": q.difficulty,
            "points": q.points,
            "text": q.text,
            "choices": "\n".join(q.choices),
            "answer": question_rows.format_answer(q.kind, q.answer, zh),
            "rubric": q.rubric,
            "excerpt": question_rows.format_excerpt(q.excerpt, zh),
            "active": q.active,
        }


RECENT_SESSION_DAYS = 30  # the exam form offers sessions ended at most this long ago


class SessionSelect(forms.Select):
    """Each session option says its course (data-course): the exam form's script shows
    only the sessions of the course chosen."""

    def create_option(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(*args, **kwargs)
        instance = getattr(option["value"], "instance", None)
        if instance is not None:
            option["attrs"]["data-course"] = str(instance.course_id or "")
        return option


class SessionChoice(forms.ModelChoiceField):
    widget = SessionSelect

    def label_from_instance(self, obj: Any) -> str:
        start = timezone.localtime(obj.starts_at).strftime("%Y-%m-%d %H:%M")
        course = f" · {obj.course.title}" if obj.course_id else ""
        return f"{start} · {obj.title}{course}"


def offered_sessions(course_id: int | None, current_id: int | None):
    """The sessions an exam may be limited to: upcoming or recent (ended at most
    RECENT_SESSION_DAYS ago, not cancelled), of the exam's course when it has one; and
    the session it has now, whatever its date."""
    since = timezone.now() - timedelta(days=RECENT_SESSION_DAYS)
    qs = TrainingSession.objects.filter(ends_at__gte=since).exclude(status=SessionStatus.CANCELLED)
    if course_id is not None:
        qs = qs.filter(course_id=course_id)
    if current_id is not None:
        qs = qs | TrainingSession.objects.filter(pk=current_id)
    return qs.select_related("course").order_by("starts_at", "pk")


class ExamForm(forms.Form):
    title = forms.CharField(label=pgettext_lazy("exam", "Title"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=ExamKind.choices, initial=ExamKind.QUIZ)
    course = forms.ModelChoiceField(
        label=pgettext_lazy("exam", "Course"),
        queryset=Course.objects.order_by("title"),
        required=False,
        help_text=_("Pre-tests and post-tests belong to a course."),
    )
    bank = forms.ModelChoiceField(label=_("Question bank"), queryset=None)
    time_limit_minutes = forms.IntegerField(
        label=_("Time limit (minutes)"), min_value=1, max_value=600, initial=30
    )
    closed_book = forms.BooleanField(
        label=_("Closed book (no navigation away, no pasting)"), required=False, initial=True
    )
    attempts_allowed = forms.IntegerField(
        label=_("Attempts allowed"), min_value=1, max_value=20, initial=1
    )
    pass_score = forms.IntegerField(label=_("Pass line (of 100)"), min_value=0, max_value=100)
    opens_at = forms.DateTimeField(
        label=pgettext_lazy("exam", "Opens"),
        required=False,
        widget=DateTimeInput,
        input_formats=[DATETIME_FORMAT],
    )
    closes_at = forms.DateTimeField(
        label=pgettext_lazy("exam", "Closes"),
        required=False,
        widget=DateTimeInput,
        input_formats=[DATETIME_FORMAT],
    )
    session = SessionChoice(
        label=_("Only for the agents enrolled in"),
        queryset=TrainingSession.objects.none(),
        required=False,
        help_text=_("A session of the exam's course, upcoming or of the last 30 days."),
    )
    published = forms.BooleanField(
        label=_("Published (agents see it and may take it)"), required=False
    )

    def __init__(self, *args: Any, banks: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["bank"].queryset = banks
        current = parse_id(str(self.initial.get("session") or ""))
        # Shown: the course's sessions; sent: any offered one, checked against the
        # course chosen in clean() (the course may have changed on the page).
        course = None if self.is_bound else parse_id(str(self.initial.get("course") or ""))
        self.fields["session"].queryset = offered_sessions(course, current)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        course, session = data.get("course"), data.get("session")
        if session is not None and course is not None and session.course_id != course.pk:
            self.add_error("session", _("Choose a session of the exam's course."))
        return data


class PartForm(forms.Form):
    area = forms.ModelChoiceField(
        label=pgettext_lazy("exam", "Area"), queryset=Area.objects.order_by("code"), required=False,
        empty_label=_("any"),
    )  # fmt: skip
    difficulty = forms.TypedChoiceField(
        label=pgettext_lazy("exam", "Difficulty"),
        choices=[("", _("any")), *[(i, str(i)) for i in range(1, 6)]],
        coerce=int,
        required=False,
        empty_value=None,
    )
    kind = forms.ChoiceField(
        label=pgettext_lazy("exam", "Type"),
        choices=[("", _("any")), *QuestionKind.choices],
        required=False,
    )
    count = forms.IntegerField(
        label=pgettext_lazy("exam", "Questions"),
        min_value=0,
        max_value=MAX_QUESTIONS,
        required=False,
    )


PartFormSet = formset_factory(PartForm, extra=2, max_num=20, absolute_max=20)


class GradeForm(forms.Form):
    points = forms.DecimalField(label=_("Points"), min_value=0, max_value=100, decimal_places=1)
    comment = forms.CharField(
        label=pgettext_lazy("exam", "Comment"),
        required=False,
        max_length=4000,
        widget=forms.Textarea({"rows": 2}),
    )
