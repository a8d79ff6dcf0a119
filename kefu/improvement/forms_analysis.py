"""Forms of the analyses. The root cause is a select grouped by problem (the current
taxonomy's root causes, plus the one an analysis already names); whether it belongs to
the chosen problem, and whether the linked conversations exist and are visible, is
checked by kefu/improvement/actions_analysis.py (the form shows its refusals)."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kefu.improvement.actions_analysis import MAX_ANSWER, MAX_SECTION, MAX_WHYS
from kefu.improvement.choices import FishboneCategory
from kefu.improvement.models import TaxonomyNode

IDS = re.compile(r"[\s,;，；、]+")


class AnalysisForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    problem = forms.ChoiceField(label=_("Problem"), choices=())
    root_cause = forms.TypedChoiceField(
        label=_("Root cause"), choices=(), required=False, coerce=int, empty_value=None
    )
    conversations = forms.CharField(
        label=_("Linked conversations"),
        help_text=_("Conversation ids, separated by spaces, commas or new lines."),
        widget=forms.Textarea(attrs={"rows": 2, "spellcheck": "false"}),
        required=False,
        max_length=10_000,
    )

    def __init__(
        self,
        *args: Any,
        problems: list[str],
        causes: list[TaxonomyNode],
        current: TaxonomyNode | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["problem"].choices = [(p, p) for p in problems]
        nodes = list(causes)
        if current is not None and current.pk not in {n.pk for n in nodes}:
            nodes.append(current)
        self._nodes = {n.pk: n for n in nodes}
        groups: dict[str, list[tuple[int, str]]] = {}
        for node in nodes:
            kind = str(node.get_kind_display()) if node.kind else ""
            label = f"{node.name} ({kind})" if kind and kind != node.name else node.name
            groups.setdefault(node.parent.name if node.parent else "", []).append((node.pk, label))
        self.fields["root_cause"].choices = [("", "—"), *groups.items()]

    def _own_fields_first(self, names: list[str]) -> None:
        """The analysis's own fields after the problem; the root cause they lead to and
        the linked conversations last."""
        self.order_fields(["title", "problem", *names, "root_cause", "conversations"])

    def clean_root_cause(self) -> TaxonomyNode | None:
        pk = self.cleaned_data.get("root_cause")
        return self._nodes.get(pk) if pk is not None else None

    def clean_conversations(self) -> list[str]:
        return [i for i in IDS.split(self.cleaned_data.get("conversations") or "") if i]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        cause = data.get("root_cause")
        if cause is not None and data.get("problem") and cause.parent.name != data["problem"]:
            self.add_error("root_cause", _("Choose a root cause of this problem."))
        return data

    @staticmethod
    def initial_of(analysis, conversation_ids: list[str]) -> dict[str, Any]:
        """The form's initial data from an analysis (and its linked conversations the
        editor sees)."""
        return {
            "title": analysis.title,
            "problem": analysis.problem,
            "root_cause": analysis.root_cause_id,
            "conversations": "\n".join(conversation_ids),
        }


class FiveWhyForm(AnalysisForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for i in range(1, MAX_WHYS + 1):
            self.fields[f"why{i}"] = forms.CharField(
                label=_("Why %(n)s?") % {"n": i},
                help_text=_("Why did that happen?") if i > 1 else _("Why did the problem occur?"),
                widget=forms.Textarea(attrs={"rows": 2}),
                max_length=MAX_ANSWER,
                required=i == 1,
            )
        self._own_fields_first([f"why{i}" for i in range(1, MAX_WHYS + 1)])

    def data_for_action(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {**_common(d), "whys": [d.get(f"why{i}", "") for i in range(1, MAX_WHYS + 1)]}

    @staticmethod
    def initial_of(analysis, conversation_ids: list[str]) -> dict[str, Any]:
        initial = AnalysisForm.initial_of(analysis, conversation_ids)
        for i, answer in enumerate(analysis.whys[:MAX_WHYS], 1):
            initial[f"why{i}"] = answer
        return initial


class FishboneForm(AnalysisForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for value, label in FishboneCategory.choices:
            self.fields[f"cause_{value}"] = forms.CharField(
                label=label,
                help_text=_("One cause per line."),
                widget=forms.Textarea(attrs={"rows": 3}),
                max_length=5000,
                required=False,
            )
        self._own_fields_first([f"cause_{v}" for v in FishboneCategory.values])

    def data_for_action(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            **_common(d),
            "causes": {v: d.get(f"cause_{v}", "") for v in FishboneCategory.values},
        }

    @staticmethod
    def initial_of(analysis, conversation_ids: list[str]) -> dict[str, Any]:
        initial = AnalysisForm.initial_of(analysis, conversation_ids)
        for value in FishboneCategory.values:
            initial[f"cause_{value}"] = "\n".join(analysis.causes.get(value, []))
        return initial


class RetrospectiveForm(AnalysisForm):
    background = forms.CharField(
        label=_("Background"), widget=forms.Textarea(attrs={"rows": 4}), required=False,
        max_length=MAX_SECTION,
    )  # fmt: skip
    description = forms.CharField(
        label=_("Problem description"), widget=forms.Textarea(attrs={"rows": 4}),
        required=False, max_length=MAX_SECTION,
    )  # fmt: skip
    handling = forms.CharField(
        label=_("Handling"), widget=forms.Textarea(attrs={"rows": 4}), required=False,
        max_length=MAX_SECTION,
    )  # fmt: skip
    result = forms.CharField(
        label=_("Result and impact"), widget=forms.Textarea(attrs={"rows": 4}), required=False,
        max_length=MAX_SECTION,
    )  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._own_fields_first(list(RETRO_FIELDS))

    def data_for_action(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {**_common(d), **{k: d.get(k, "") for k in RETRO_FIELDS}}

    @staticmethod
    def initial_of(analysis, conversation_ids: list[str]) -> dict[str, Any]:
        return {
            **AnalysisForm.initial_of(analysis, conversation_ids),
            **{k: getattr(analysis, k) for k in RETRO_FIELDS},
        }


RETRO_FIELDS = ("background", "description", "handling", "result")


def _common(d: dict[str, Any]) -> dict[str, Any]:
    return {
        "title": d["title"],
        "problem": d["problem"],
        "root_cause": d.get("root_cause"),
        "conversations": d.get("conversations") or [],
    }
