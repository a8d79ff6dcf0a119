"""Forms of the assignment pages: rules, assigning by hand, the list's filter."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kefu.training.models import AssignmentRule, Course, Lesson


class LessonChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.course.title} · {obj.position}. {obj.title}"


class RuleForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    indicator = forms.ChoiceField(label=_("QA indicator"), required=False)
    scorecard_item = forms.ChoiceField(
        label=_("or failing scorecard item"), required=False,
        help_text=_("Choose one of the two."),
    )  # fmt: skip
    min_hits = forms.IntegerField(
        label=_("At least (hits)"), min_value=1, max_value=1000, initial=3
    )
    window_days = forms.IntegerField(
        label=_("In the last (days)"), min_value=1, max_value=365, initial=30
    )
    course = forms.ModelChoiceField(label=_("Course"), queryset=Course.objects.order_by("title"))
    lesson = LessonChoice(
        label=_("Lesson"),
        queryset=Lesson.objects.select_related("course").order_by("course__title", "position"),
        required=False,
        help_text=_("Empty: every lesson of the course."),
    )
    due_days = forms.IntegerField(label=_("Due in (days)"), min_value=1, max_value=365, initial=7)
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, indicators=(), items=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["indicator"].choices = [("", "—"), *indicators]
        self.fields["scorecard_item"].choices = [("", "—"), *items]

    @staticmethod
    def initial_of(rule: AssignmentRule) -> dict:
        return {
            "name": rule.name,
            "indicator": rule.indicator,
            "scorecard_item": rule.scorecard_item,
            "min_hits": rule.min_hits,
            "window_days": rule.window_days,
            "course": rule.course_id,
            "lesson": rule.lesson_id,
            "due_days": rule.due_days,
            "active": rule.active,
        }


class AssignForm(forms.Form):
    course = forms.ModelChoiceField(
        label=_("Course"), queryset=Course.objects.filter(active=True).order_by("title")
    )
    lesson = LessonChoice(
        label=_("Lesson"),
        queryset=Lesson.objects.select_related("course").order_by("course__title", "position"),
        required=False,
        help_text=_("Empty: every lesson of the course."),
    )
    due_days = forms.IntegerField(label=_("Due in (days)"), min_value=1, max_value=365, initial=7)
    note = forms.CharField(
        label=_("Note to the agent"), required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )  # fmt: skip
