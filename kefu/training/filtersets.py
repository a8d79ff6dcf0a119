"""The training lists' filters: one django-filter FilterSet per list, read by the list's
page and by its API route (NetBox's rule; kefu/reviews/filtersets.py is the model).

The access layer decides the rows first: each page and route hands its FilterSet a
queryset already passed through `kefu.accounts.access.restrict`; a filter only narrows
it. The API's Query schemas (kefu/training/api/*.py) mirror these FilterSets, parameter
for parameter (kefu/training/tests/test_filtersets.py keeps them in step), so a filter
means the same on both:

- on a page an invalid value is shown beside its field and not applied;
- in the API it is refused, 422 naming the parameter (`kefu.training.api._filters`),
  except a reference to a row the caller may not see (an agent, a team), which matches
  nothing there, as the conversation list does: existence is not revealed.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kefu.accounts.access import agents_visible_to, restrict, teams_visible_to
from kefu.accounts.models import Agent
from kefu.core.params import parse_id
from kefu.interactions.filtersets import DayFilter, VisibleRowFilter
from kefu.training.choices import (
    AssignmentStatus,
    CourseKind,
    ExamKind,
    PracticeStatus,
    QuestionKind,
    SessionStatus,
)
from kefu.training.models import (
    Area,
    Assignment,
    AssignmentRule,
    Certificate,
    Course,
    Exam,
    Practice,
    Question,
    Scenario,
    TrainingSession,
)

MAX_SEARCH = 100
OVERDUE = "overdue"
# Filters naming a row the caller may not see: an error on the page, nothing in the API.
REFERENCE_FILTERS = frozenset({"agent", "team"})
YES_NO = [("", _("All")), ("true", _("Yes")), ("false", _("No"))]


# --- fields and filters ----------------------------------------------------------------------
class ChoiceFilter(django_filters.Filter):
    """A plain ChoiceField: the choices as given, the empty one ("all") first."""

    field_class = forms.ChoiceField


class RowChoiceField(forms.ModelChoiceField):
    """A row by id (or by `to_field_name`); an id that is not a database id (too long,
    not ASCII digits) is an invalid choice, never a lookup (SQLite overflows on 2**63)."""

    def to_python(self, value: Any) -> Any:
        if value in self.empty_values:
            return None
        if self.to_field_name is None and parse_id(str(value)) is None:
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            )
        return super().to_python(value)


class RowChoiceFilter(django_filters.ModelChoiceFilter):
    field_class = RowChoiceField


class YesNoFilter(django_filters.BooleanFilter):
    """true / false / empty (all); the API sends its booleans as such."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", forms.Select(choices=YES_NO))
        super().__init__(*args, **kwargs)


class SearchFilter(django_filters.CharFilter):
    """Free text (at most MAX_SEARCH characters; a NUL is refused) matched by `method`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", MAX_SEARCH)
        super().__init__(*args, **kwargs)


def _no_nul(value: str) -> None:
    if "\x00" in (value or ""):
        raise forms.ValidationError(_("Enter a valid value."), code="invalid")


class TrainingFilterSet(django_filters.FilterSet):
    """A FilterSet that knows who asks (the choices of reference filters are theirs)."""

    def __init__(self, data: Any = None, queryset: QuerySet | None = None, *, user: Any) -> None:
        self.user = user
        super().__init__(data, queryset=queryset)
        for field in self.form.fields.values():
            if isinstance(field, forms.CharField):
                field.validators.append(_no_nul)
        self.scope(user)

    def scope(self, user: Any) -> None:
        """Narrow the choices of reference filters to what `user` may see."""

    @property
    def applied(self) -> dict[str, Any]:
        """The filters in force: valid and not empty (what a page says it shows)."""
        self.errors  # noqa: B018 — validates
        data = getattr(self.form, "cleaned_data", {})
        return {k: v for k, v in data.items() if v not in (None, "", [])}


def _agents(field: forms.Field, user: Any) -> None:
    field.queryset = agents_visible_to(user).order_by("external_id")


# --- courses ---------------------------------------------------------------------------------
class CourseFilterSet(TrainingFilterSet):
    """The course catalogue: /training/courses/ and GET /api/v1/training/courses."""

    area = django_filters.ModelChoiceFilter(
        label=_("Knowledge area"),
        queryset=Area.objects.order_by("code"),
        to_field_name="code",
        empty_label=_("All areas"),
    )
    kind = ChoiceFilter(label=_("Kind"), choices=[("", _("All kinds")), *CourseKind.choices])
    active = YesNoFilter(label=_("Active"))

    class Meta:
        model = Course
        fields: list[str] = []


# --- sessions --------------------------------------------------------------------------------
class SessionFilterForm(forms.Form):
    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("The end is before the start."))
        return data


class SessionFilterSet(TrainingFilterSet):
    """Sessions by the local day they start: the calendar (/training/sessions/, its
    month or week as date_from … date_to) and GET /api/v1/training/sessions."""

    date_from = DayFilter(field_name="starts_at", bound="from", label=_("From"))
    date_to = DayFilter(field_name="starts_at", bound="to", label=_("To"))
    course = RowChoiceFilter(
        label=pgettext_lazy("exam", "Course"),
        queryset=Course.objects.order_by("title"),
        empty_label=_("All courses"),
    )
    kind = ChoiceFilter(label=_("Kind"), choices=[("", _("All kinds")), *CourseKind.choices])
    status = ChoiceFilter(
        label=_("Status"), choices=[("", _("All statuses")), *SessionStatus.choices]
    )

    class Meta:
        model = TrainingSession
        fields: list[str] = []
        form = SessionFilterForm


# --- exams, questions ------------------------------------------------------------------------
class ExamFilterSet(TrainingFilterSet):
    """Exams: /training/exams/ and GET /api/v1/training/exams."""

    kind = ChoiceFilter(label=_("Kind"), choices=[("", _("All kinds")), *ExamKind.choices])
    course = RowChoiceFilter(
        label=pgettext_lazy("exam", "Course"),
        queryset=Course.objects.order_by("title"),
        empty_label=_("All courses"),
    )
    published = YesNoFilter(label=_("Published"))

    class Meta:
        model = Exam
        fields: list[str] = []


def _question_text(qs: QuerySet, name: str, value: str) -> QuerySet:
    text = value.strip()
    return qs.filter(Q(text__icontains=text) | Q(external_id__icontains=text)) if text else qs


class QuestionFilterSet(TrainingFilterSet):
    """A bank's questions: /training/exams/banks/<id>/ and
    GET /api/v1/training/banks/<id>/questions (trainers)."""

    type = ChoiceFilter(
        field_name="kind",
        label=pgettext_lazy("exam", "Type"),
        choices=[("", _("All")), *QuestionKind.choices],
    )
    area = django_filters.ModelChoiceFilter(
        label=pgettext_lazy("exam", "Area"),
        queryset=Area.objects.order_by("code"),
        to_field_name="code",
        empty_label=_("All"),
    )
    q = SearchFilter(label=_("Search"), method=_question_text)
    active = YesNoFilter(label=_("Active"))

    class Meta:
        model = Question
        fields: list[str] = []


# --- practice --------------------------------------------------------------------------------
class ScenarioFilterSet(TrainingFilterSet):
    """Practice scenarios: /training/practice/ and GET /api/v1/training/scenarios."""

    area = django_filters.ModelChoiceFilter(
        label=_("Knowledge area"),
        queryset=Area.objects.order_by("code"),
        to_field_name="code",
        empty_label=_("All areas"),
    )
    active = YesNoFilter(label=_("Active"))

    class Meta:
        model = Scenario
        fields: list[str] = []


class PracticeFilterSet(TrainingFilterSet):
    """Practices: the history (/training/practice/history/) and
    GET /api/v1/training/practices. `agent`: a row id or an agent id (A0007)."""

    agent = VisibleRowFilter(
        label=_("Agent"),
        queryset=None,
        empty_label=_("All"),
        name_field="external_id",
        id_or_name=True,
    )
    scenario = django_filters.ModelChoiceFilter(
        label=_("Scenario"),
        queryset=Scenario.objects.none(),
        to_field_name="code",
        empty_label=_("All"),
    )
    status = ChoiceFilter(label=_("Status"), choices=[("", _("All")), *PracticeStatus.choices])

    class Meta:
        model = Practice
        fields: list[str] = []

    def scope(self, user: Any) -> None:
        _agents(self.form.fields["agent"], user)
        self.form.fields["scenario"].queryset = restrict(Scenario.objects.all(), user).order_by(
            "code"
        )


# --- assignments and rules -------------------------------------------------------------------
def _assignment_status(qs: QuerySet, name: str, value: str) -> QuerySet:
    if value == OVERDUE:
        return qs.filter(status=AssignmentStatus.OPEN, due_at__lt=timezone.now())
    return qs.filter(status=value) if value else qs


class AssignmentFilterSet(TrainingFilterSet):
    """Assignments: /training/assignments/ and GET /api/v1/training/assignments.
    status "overdue": open past the due time."""

    status = ChoiceFilter(
        label=_("Status"),
        choices=[("", _("All")), (OVERDUE, _("Overdue")), *AssignmentStatus.choices],
        method=_assignment_status,
    )
    agent = VisibleRowFilter(
        label=_("Agent"),
        queryset=None,
        empty_label=_("All"),
        name_field="external_id",
        id_or_name=True,
    )
    rule = RowChoiceFilter(
        label=_("Rule"), queryset=AssignmentRule.objects.none(), empty_label=_("All")
    )

    class Meta:
        model = Assignment
        fields: list[str] = []

    def scope(self, user: Any) -> None:
        _agents(self.form.fields["agent"], user)
        self.form.fields["rule"].queryset = restrict(AssignmentRule.objects.all(), user).order_by(
            "name"
        )


class RuleFilterSet(TrainingFilterSet):
    """Assignment rules: /training/assignments/rules/ and GET /api/v1/training/rules."""

    active = YesNoFilter(label=_("Active"))
    course = RowChoiceFilter(
        label=_("Course"), queryset=Course.objects.order_by("title"), empty_label=_("All")
    )

    class Meta:
        model = AssignmentRule
        fields: list[str] = []


# --- records and certification ---------------------------------------------------------------
def _agent_text(qs: QuerySet, name: str, value: str) -> QuerySet:
    text = value.strip()[:50]
    if not text:
        return qs
    return qs.filter(Q(name__icontains=text) | Q(external_id__icontains=text))


class RecordFilterSet(TrainingFilterSet):
    """Whose training record: /training/records/ and GET /api/v1/training/records."""

    q = SearchFilter(label=_("Agent"), method=_agent_text, max_length=50)
    team = VisibleRowFilter(
        label=_("Team"),
        queryset=None,
        empty_label=_("All teams"),
        name_field="name",
        id_or_name=False,
        field_name="team",
    )

    class Meta:
        model = Agent
        fields: list[str] = []

    def scope(self, user: Any) -> None:
        self.form.fields["team"].queryset = teams_visible_to(user).order_by("name")


PASSED, FAILED, INCOMPLETE = "passed", "failed", "incomplete"


def _result(qs: QuerySet, name: str, value: str) -> QuerySet:
    if value == PASSED:
        return qs.filter(passed=True)
    if value == FAILED:
        return qs.filter(passed=False, total__isnull=False)
    if value == INCOMPLETE:
        return qs.filter(total__isnull=True)
    return qs


class CertificateFilterSet(TrainingFilterSet):
    """A cycle's results: /training/certification/<id>/ and
    GET /api/v1/training/certification/<id>/results."""

    result = ChoiceFilter(
        label=_("Result"),
        choices=[("", _("All")), (PASSED, _("Passed")), (FAILED, _("Failed")),
                 (INCOMPLETE, _("Incomplete"))],
        method=_result,
    )  # fmt: skip
    team = VisibleRowFilter(
        label=_("Team"),
        queryset=None,
        empty_label=_("All teams"),
        name_field="name",
        id_or_name=False,
        field_name="agent__team",
    )

    class Meta:
        model = Certificate
        fields: list[str] = []

    def scope(self, user: Any) -> None:
        self.form.fields["team"].queryset = teams_visible_to(user).order_by("name")
