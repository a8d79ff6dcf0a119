from __future__ import annotations

from typing import Any

import yaml
from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from kefu.improvement.choices import ProjectStatus
from kefu.improvement.models import ImprovementSettings, TaxonomyNode
from kefu.lib.formfields import DayField

MAX_TAXONOMY_CHARS = 200_000


class SettingsForm(forms.ModelForm):
    class Meta:
        model = ImprovementSettings
        fields = ["review_below", "classify_all", "before_days", "after_days"]


class TaxonomyForm(forms.Form):
    """The taxonomy as YAML (the shape of kefu/improvement/data/taxonomy.yaml)."""

    text = forms.CharField(
        label=_("Taxonomy (YAML)"),
        widget=forms.Textarea(attrs={"rows": 24, "spellcheck": "false"}),
        max_length=MAX_TAXONOMY_CHARS,
    )
    note = forms.CharField(label=_("What changed"), max_length=200, required=False)

    def clean_text(self) -> Any:
        try:
            data = yaml.safe_load(self.cleaned_data["text"])
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            where = f" (line {mark.line + 1})" if mark is not None else ""
            raise forms.ValidationError(_("This is not valid YAML") + where) from None
        if not isinstance(data, list):
            raise forms.ValidationError(_("The taxonomy is a list of scenes."))
        return data


class CorrectionForm(forms.Form):
    conversation = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    problem = forms.ChoiceField(label=_("Problem"), choices=())

    def __init__(self, *args: Any, problems: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["problem"].choices = [(p, p) for p in problems]


class ProjectForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    problem = forms.ChoiceField(label=_("Problem"), choices=())
    root_cause = forms.ModelChoiceField(
        label=_("Root cause"), queryset=TaxonomyNode.objects.none(), required=False
    )
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=get_user_model().objects.none())
    status = forms.ChoiceField(label=_("Status"), choices=ProjectStatus.choices)
    start = DayField(label=_("Start"))
    end = DayField(label=_("End"), required=False)
    note = forms.CharField(
        label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(self, *args: Any, problems: list[str], causes, owners, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["problem"].choices = [(p, p) for p in problems]
        self.fields["root_cause"].queryset = causes
        self.fields["root_cause"].label_from_instance = lambda n: f"{n.parent.name} → {n.name}"
        self.fields["owner"].queryset = owners

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", _("The end date is before the start date."))
        cause = data.get("root_cause")
        if cause is not None and cause.parent.name != data.get("problem"):
            self.add_error("root_cause", _("Choose a root cause of this problem."))
        return data


class ProjectActionForm(forms.Form):
    text = forms.CharField(label=_("Action"), max_length=200)
    due = DayField(label=_("Due"), required=False)
