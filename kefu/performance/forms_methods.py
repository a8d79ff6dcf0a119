"""Forms of the methods' pages: behaviour ratings and scales, 360-degree answers and
rounds, interviews, improvement plans."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kefu.lib.formfields import DateInput
from kefu.performance.actions.ratings import MAX_LEVELS
from kefu.performance.choices import PlanStatus
from kefu.performance.core import feedback as core
from kefu.performance.models import BarsScale, Interview

LOCAL_FORMAT = "%Y-%m-%dT%H:%M"
GOAL_ROWS = 3


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self) -> None:
        super().__init__(format=LOCAL_FORMAT)


def _when(label) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label, widget=LocalDateTimeInput(), input_formats=[LOCAL_FORMAT]
    )


class AgentChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        team = f" · {obj.team.name}" if obj.team_id else ""
        return f"{obj.name} ({obj.external_id}{team})"


# --- ratings -----------------------------------------------------------------------------
class RatingForm(forms.Form):
    """One behaviour of one agent: level, evidence conversations, comment (prefix: the
    scale's code, so each scale of the page has its own form)."""

    level = forms.TypedChoiceField(label=_("Level"), coerce=int, widget=forms.RadioSelect)
    evidence = forms.TypedMultipleChoiceField(
        label=_("Evidence"), coerce=int, widget=forms.CheckboxSelectMultiple
    )
    comment = forms.CharField(
        label=pgettext_lazy("performance", "Comment"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, scale: BarsScale, evidence_ids: list[int], **kwargs) -> None:
        super().__init__(*args, prefix=scale.code, **kwargs)
        self.scale = scale
        self.fields["level"].choices = [(lv["level"], lv["anchor"]) for lv in scale.levels]
        self.fields["evidence"].choices = [(pk, pk) for pk in evidence_ids]
        self.fields["evidence"].error_messages["required"] = _(
            "Link at least one conversation of the agent in the cycle as evidence."
        )


class ScaleForm(forms.Form):
    code = forms.SlugField(label=_("Code"), max_length=32)
    name = forms.CharField(label=_("Behaviour"), max_length=60)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    evidence_source = forms.CharField(
        label=_("Compared with (figure)"), required=False, max_length=48,
        help_text=_(
            "A source key such as qa.score: raters whose ratings differ from it are flagged."
        ),
    )  # fmt: skip
    active = forms.BooleanField(label=_("In use"), required=False, initial=True)

    def __init__(self, *args, scale: BarsScale | None = None, **kwargs) -> None:
        if scale is not None:
            initial = {
                "code": scale.code,
                "name": scale.name,
                "description": scale.description,
                "evidence_source": scale.evidence_source,
                "active": scale.active,
            }
            for lv in scale.levels:
                initial[f"anchor_{lv['level']}"] = lv["anchor"]
            kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        for i in range(1, MAX_LEVELS + 1):
            self.fields[f"anchor_{i}"] = forms.CharField(
                label=_("Level %(n)s") % {"n": i},
                required=False,
                max_length=500,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
        if scale is not None:
            self.fields["code"].disabled = True

    def anchors(self) -> list[str]:
        return [self.cleaned_data.get(f"anchor_{i}", "") for i in range(1, MAX_LEVELS + 1)]

    def anchor_fields(self):
        return [self[f"anchor_{i}"] for i in range(1, MAX_LEVELS + 1)]


# --- 360-degree feedback ------------------------------------------------------------------
SCORES = [(n, str(n)) for n in range(core.LOWEST, core.HIGHEST + 1)]


class AnswerForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment (optional, shown without your name)"), required=False,
        max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
    )  # fmt: skip

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for code, label in core.DIMENSIONS:
            self.fields[code] = forms.TypedChoiceField(
                label=label, choices=SCORES, coerce=int, widget=forms.RadioSelect
            )
        self.order_fields([c for c in core.CODES] + ["comment"])

    def answers(self) -> dict[str, int]:
        return {code: self.cleaned_data[code] for code in core.CODES}

    def dimension_fields(self):
        return [self[code] for code in core.CODES]


class RoundForm(forms.Form):
    cycle = forms.ModelChoiceField(label=pgettext_lazy("performance", "Cycle"), queryset=None)
    team = forms.ModelChoiceField(label=_("Team"), queryset=None)

    def __init__(self, *args, cycles, teams, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["cycle"].queryset = cycles
        self.fields["team"].queryset = teams


# --- interviews --------------------------------------------------------------------------
class ScheduleForm(forms.Form):
    cycle = forms.ModelChoiceField(label=pgettext_lazy("performance", "Cycle"), queryset=None)
    agent = AgentChoice(label=_("Agent"), queryset=None)
    scheduled_at = _when(_("Scheduled at"))

    def __init__(self, *args, cycles, agents, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["cycle"].queryset = cycles
        self.fields["agent"].queryset = agents


class RecordForm(forms.Form):
    achievements = forms.CharField(
        label=_("Achievements"), widget=forms.Textarea(attrs={"rows": 3})
    )
    gaps = forms.CharField(
        label=_("Gaps"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    causes = forms.CharField(
        label=_("Causes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    actions = forms.CharField(label=_("Agreed actions"), widget=forms.Textarea(attrs={"rows": 3}))
    held_at = _when(_("Held at"))

    @classmethod
    def for_interview(cls, interview: Interview, data=None) -> RecordForm:
        held = interview.held_at or min(timezone.now(), interview.scheduled_at)
        return cls(
            data,
            initial={
                "achievements": interview.achievements,
                "gaps": interview.gaps,
                "causes": interview.causes,
                "actions": interview.actions,
                "held_at": timezone.localtime(held).strftime(LOCAL_FORMAT),
            },
        )


class AcknowledgeForm(forms.Form):
    comment = forms.CharField(
        label=_("Your comment"), required=False, max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )  # fmt: skip


# --- improvement plans ---------------------------------------------------------------------
class PlanForm(forms.Form):
    agent = AgentChoice(label=_("Agent"), queryset=None)
    cycle = forms.ModelChoiceField(
        label=pgettext_lazy("performance", "Cycle"), queryset=None, required=False
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    opened_on = forms.DateField(label=_("Opened on"), widget=DateInput())
    due_on = forms.DateField(label=_("Due on"), widget=DateInput())

    def __init__(self, *args, cycles, agents, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["cycle"].queryset = cycles
        self.fields["agent"].queryset = agents
        for i in range(1, GOAL_ROWS + 1):
            self.fields[f"goal_{i}_source"] = forms.CharField(
                label=_("Figure"), required=i == 1, max_length=48,
                widget=forms.TextInput(attrs={"list": "plan-sources"}),
            )  # fmt: skip
            self.fields[f"goal_{i}_baseline"] = forms.FloatField(
                label=_("Baseline"), required=False
            )
            self.fields[f"goal_{i}_target"] = forms.FloatField(label=_("Target"), required=False)

    def goals(self) -> list[tuple[str, float | None, float | None]]:
        d = self.cleaned_data
        return [
            (
                d.get(f"goal_{i}_source") or "",
                d.get(f"goal_{i}_baseline"),
                d.get(f"goal_{i}_target"),
            )
            for i in range(1, GOAL_ROWS + 1)
        ]

    def goal_rows(self):
        return [
            (self[f"goal_{i}_source"], self[f"goal_{i}_baseline"], self[f"goal_{i}_target"])
            for i in range(1, GOAL_ROWS + 1)
        ]

    def main_fields(self):
        return [self[n] for n in ("agent", "cycle", "title", "opened_on", "due_on")]


class GoalForm(forms.Form):
    source = forms.CharField(
        label=_("Figure"), max_length=48, widget=forms.TextInput(attrs={"list": "plan-sources"})
    )
    baseline = forms.FloatField(label=_("Baseline"), required=False)
    target = forms.FloatField(label=_("Target"))


class CheckinForm(forms.Form):
    on = forms.DateField(label=_("Date"), widget=DateInput())
    coaching = forms.BooleanField(label=_("Coaching session"), required=False)
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}))


class LessonForm(forms.Form):
    lesson = forms.ModelChoiceField(label=_("Lesson"), queryset=None)
    assign = forms.BooleanField(label=_("Also assign it to the agent"), required=False)
    due_days = forms.IntegerField(label=_("Due in (days)"), min_value=1, max_value=365, initial=14)

    def __init__(self, *args, lessons, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["lesson"].queryset = lessons
        self.fields["lesson"].label_from_instance = lambda obj: f"{obj.course.title} · {obj.title}"


class CloseForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Outcome"),
        choices=[
            (PlanStatus.SUCCEEDED, PlanStatus.SUCCEEDED.label),
            (PlanStatus.NOT_MET, PlanStatus.NOT_MET.label),
            (PlanStatus.CANCELLED, PlanStatus.CANCELLED.label),
        ],
    )
    outcome = forms.CharField(label=_("What came of it"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, goals, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.goal_list = list(goals)
        for goal in self.goal_list:
            self.fields[f"result_{goal.pk}"] = forms.FloatField(
                label=_("Result: %(figure)s") % {"figure": goal.source}, required=False,
                initial=goal.result,
            )  # fmt: skip

    def results(self) -> dict[int, float | None]:
        return {g.pk: self.cleaned_data.get(f"result_{g.pk}") for g in self.goal_list}

    def result_fields(self):
        return [self[f"result_{g.pk}"] for g in self.goal_list]
