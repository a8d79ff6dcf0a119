from __future__ import annotations

from datetime import timedelta

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kefu.accounts.choices import Role
from kefu.accounts.models import Team
from kefu.interactions.choices import Channel
from kefu.lib.formfields import DayField, IdMultipleChoiceField
from kefu.reviews.choices import AppealStatus, Kind, RiskFactor
from kefu.reviews.core.sampling import DEFAULT_RISK_WEIGHTS
from kefu.reviews.models import ReviewSettings, SamplingPlan


def specialists():
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name=Role.QA)
        .order_by("username")
        .distinct()
    )


class UserChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.get_full_name() or obj.get_username()


class UserMultipleChoice(IdMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.get_full_name() or obj.get_username()


class PlanForm(forms.ModelForm):
    channels = forms.MultipleChoiceField(
        label=_("Channels"),
        choices=Channel.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every channel."),
    )
    reviewers = UserMultipleChoice(
        label=_("QA specialists"),
        queryset=specialists(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every QA specialist."),
    )
    teams = IdMultipleChoiceField(
        label=_("Teams"),
        queryset=Team.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every team."),
    )

    class Meta:
        model = SamplingPlan
        fields = [
            "name",
            "description",
            "scorecard",
            "method",
            "quota",
            "quota_basis",
            "period",
            "strata",
            "base_weight",
            "low_score_below",
            "teams",
            "channels",
            "reviewers",
            "due_days",
            "appeal_window_days",
            "seed",
            "active",
        ]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reviewers"].queryset = specialists()
        weights = (self.instance.risk_weights if self.instance.pk else None) or DEFAULT_RISK_WEIGHTS
        for factor, label in RiskFactor.choices:
            self.fields[f"w_{factor}"] = forms.FloatField(
                label=label, min_value=0, initial=weights.get(factor, 0.0), required=True
            )

    def risk_fields(self):
        return [self[f"w_{factor}"] for factor in RiskFactor.values]

    def plan_data(self) -> dict:
        data = {
            k: v
            for k, v in self.cleaned_data.items()
            if k not in ("teams", "reviewers") and not k.startswith("w_")
        }
        data["risk_weights"] = {f: self.cleaned_data[f"w_{f}"] for f in RiskFactor.values}
        return data


class SettingsForm(forms.ModelForm):
    class Meta:
        model = ReviewSettings
        fields = ["appeal_window_days", "due_days", "max_open_per_reviewer", "hourly_cost"]


class NewReviewForm(forms.Form):
    conversation = forms.CharField(label=_("Conversation id"), max_length=64)
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[
            (Kind.MANUAL, Kind.MANUAL.label),
            (Kind.MYSTERY_SHOPPER, Kind.MYSTERY_SHOPPER.label),
        ],
    )
    scenario = forms.CharField(
        label=_("Mystery-shopper scenario"),
        max_length=300,
        required=False,
        help_text=_("What the mystery shopper asked for or tested."),
    )
    shopper = forms.CharField(label=_("Mystery shopper"), max_length=100, required=False)


class ReassignForm(forms.Form):
    reviewer = UserChoice(label=_("QA specialist"), queryset=specialists())

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reviewer"].queryset = specialists()


class AppealForm(forms.Form):
    item = forms.CharField(max_length=64)
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )


class DecideForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            (AppealStatus.UPHELD, AppealStatus.UPHELD.label),
            (AppealStatus.REJECTED, AppealStatus.REJECTED.label),
        ],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )
    applies = forms.BooleanField(
        label=_("The item still applies, with fewer points"), required=False
    )
    points = forms.FloatField(label=_("Points"), required=False, min_value=0)


class SessionForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    conversations = forms.CharField(
        label=_("Conversations"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Conversation ids, one per line or separated by commas."),
    )
    participants = UserMultipleChoice(
        label=_("Reviewers"), queryset=specialists(), widget=forms.CheckboxSelectMultiple
    )
    due = DayField(label=_("Due"), required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["participants"].queryset = specialists()
        self.fields["due"].initial = timezone.localdate() + timedelta(days=7)

    def conversation_ids(self) -> list[str]:
        raw = self.cleaned_data.get("conversations", "")
        ids = [p.strip() for chunk in raw.splitlines() for p in chunk.split(",")]
        return list(dict.fromkeys(i for i in ids if i))


class ReportForm(forms.Form):
    date_from = DayField(label=_("From"), required=False)
    date_to = DayField(label=_("To"), required=False)
    split = forms.RegexField(
        label=_("Compare from month"),
        regex=r"^\d{4}-\d{2}$",
        required=False,
        widget=forms.TextInput(attrs={"type": "month"}),
        help_text=_("e.g. the month automatic QA went live (default: the middle of the period)"),
    )


class BulkAssignForm(forms.Form):
    """The queue's bulk assignment: one specialist takes every ticked review; several
    share them evenly (round robin). The ticked reviews come as `review` ids."""

    reviewer = UserMultipleChoice(
        label=_("Assign to"),
        queryset=specialists(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("One: every ticked review goes to them; several: shared evenly in turn."),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reviewer"].queryset = specialists()
