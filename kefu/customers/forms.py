from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kefu.customers.choices import ConditionKind, TagKind, WinbackOutcome
from kefu.customers.core import tags as tag_rules
from kefu.customers.models import RiskSettings, Tag, TagGroup
from kefu.lib.formfields import DayField, IdMultipleChoiceField

CONDITIONS = 2  # conditions offered by the tag form (the rule language takes up to 5)


class SettingsForm(forms.ModelForm):
    class Meta:
        model = RiskSettings
        fields = list(RiskSettings.WEIGHT_FIELDS)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        high, low = data.get("high_at"), data.get("low_below")
        if high is not None and low is not None and low > high:
            self.add_error("low_below", _("The low threshold must not be above the high one."))
        return data


class TagGroupForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=50)
    description = forms.CharField(label=_("Description"), max_length=200, required=False)


class TagForm(forms.Form):
    """A tag: manual, or a rule of one or two conditions (both must hold). Each condition
    takes its values in the order its kind names them, e.g. "Spend at least (amount) in
    the last (days)": first value 2000, second value 365."""

    group = forms.ModelChoiceField(label=_("Group"), queryset=TagGroup.objects.none())
    name = forms.CharField(label=_("Name"), max_length=50)
    kind = forms.ChoiceField(label=_("Kind"), choices=TagKind.choices)
    description = forms.CharField(label=_("Description"), max_length=200, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = TagGroup.objects.all()
        for i in range(1, CONDITIONS + 1):
            self.fields[f"condition{i}"] = forms.ChoiceField(
                label=_("Condition %(n)s") % {"n": i},
                choices=[("", "—"), *ConditionKind.choices],
                required=False,
            )
            self.fields[f"condition{i}_first"] = forms.CharField(
                label=_("first value"), max_length=50, required=False
            )
            self.fields[f"condition{i}_second"] = forms.CharField(
                label=_("second value"), max_length=50, required=False
            )

    def conditions(self) -> list[tuple[str, str, str]]:
        return [
            (f"condition{i}", f"condition{i}_first", f"condition{i}_second")
            for i in range(1, CONDITIONS + 1)
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        rule = []
        for kind_field, first, second in self.conditions():
            kind = data.get(kind_field)
            if not kind:
                continue
            names = list(tag_rules.KINDS[kind].params)
            values = [data.get(first), data.get(second)]
            rule.append({"kind": kind, **dict(zip(names, values, strict=False))})
        if data.get("kind") == TagKind.RULE:
            try:
                data["rule"] = tag_rules.check_rule(rule)
            except tag_rules.RuleError as exc:
                self.add_error(None, _("Rule: %(path)s: %(message)s") % {
                    "path": exc.path, "message": exc.message
                })  # fmt: skip
        else:
            if rule:
                self.add_error("kind", _("A manual tag has no conditions."))
            data["rule"] = []
        return data


class BacktestForm(forms.Form):
    as_of = DayField(label=_("As of (end of day)"))
    horizon_days = forms.IntegerField(
        label=_("Horizon (days)"), min_value=1, max_value=365, initial=30
    )
    windows = forms.IntegerField(
        label=_("Windows pooled"),
        min_value=1,
        max_value=12,
        initial=1,
        help_text=_("consecutive windows ending at the date, pooled for steadier figures"),
    )


class CustomerTagForm(forms.Form):
    tag = forms.IntegerField(min_value=1, max_value=2**62)
    action = forms.ChoiceField(choices=[("add", "add"), ("remove", "remove")])


class CampaignForm(forms.Form):
    """A new win-back campaign from a tag filter (all of the chosen tags)."""

    name = forms.CharField(label=_("Name"), max_length=100)
    description = forms.CharField(label=_("Description"), max_length=300, required=False)
    tags = IdMultipleChoiceField(
        label=_("Tags (all of)"),
        queryset=Tag.objects.none(),
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    starts_on = DayField(label=_("Starts on"))
    window_days = forms.IntegerField(label=_("Came back within (days)"), min_value=1, max_value=365)
    control_share = forms.FloatField(
        label=_("Control share (%)"),
        min_value=0,
        max_value=50,
        help_text=_("members held back (not contacted), to measure the lift against"),
    )

    def __init__(self, *args: Any, tags: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["tags"].queryset = tags


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=WinbackOutcome.choices, required=False)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)
