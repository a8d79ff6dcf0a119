"""Forms of the knowledge pages (the editor, change requests, publishing)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kefu.knowledge.choices import Kind, RequestKind
from kefu.knowledge.core import quality
from kefu.knowledge.texts import QUALITY_LABELS


class ArticleForm(forms.Form):
    kind = forms.ChoiceField(label=_("Type"), choices=Kind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    scene = forms.CharField(label=_("Scene"), max_length=100, required=False)
    problem = forms.CharField(label=_("Problem"), max_length=100, required=False)
    tags = forms.CharField(
        label=_("Tags"), max_length=400, required=False, help_text=_("Separated by commas.")
    )
    issue = forms.CharField(
        label=_("Problem as the customer says it"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    environment = forms.CharField(
        label=_("Environment"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    cause = forms.CharField(
        label=_("Cause"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    resolution = forms.CharField(
        label=_("Resolution"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    steps = forms.CharField(
        label=_("SOP steps"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "One numbered step a line (1. …); a branch below its step: - if the order is unpaid → 4"
        ),
    )
    body = forms.CharField(
        label=_("Body (Markdown)"), required=False, widget=forms.Textarea(attrs={"rows": 8})
    )
    snippet = forms.CharField(
        label=_("Answer snippet (inserted into the reply)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    note = forms.CharField(label=_("What changed"), max_length=300, required=False)


class RequestForm(forms.Form):
    kind = forms.ChoiceField(label=_("Request"), choices=RequestKind.choices)
    reason = forms.CharField(label=_("Why"), widget=forms.Textarea(attrs={"rows": 2}))
    proposal = forms.CharField(
        label=_("Proposed text (for a fix)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    title = forms.CharField(label=_("Title (for a new article)"), max_length=200, required=False)


class PublishForm(forms.Form):
    """The quality checklist the owner fills when publishing."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for criterion in quality.CRITERIA:
            self.fields[criterion] = forms.BooleanField(
                label=QUALITY_LABELS[criterion], required=False
            )
