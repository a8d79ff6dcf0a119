"""Forms of the KPI settings page. They parse what a person types (rates as percentages)
into stored units and check it with the same rules as `actions`, so a bad value is shown
next to its field; the actions check again before writing."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from kefu.accounts.choices import Tier
from kefu.accounts.models import Team
from kefu.lib.formfields import DayField
from kefu.lib.language import language
from kefu.metrics import actions
from kefu.metrics.core.catalogue import ALL_FIGURES, FIGURES, Figure


# --- units as typed vs stored --------------------------------------------------------------
def to_stored(key: str, entered: float) -> float:
    """What a person typed → the stored value (percent → fraction for rates)."""
    figure = ALL_FIGURES.get(key)
    return entered / 100 if figure is not None and figure.unit == "rate" else entered


def to_entered(key: str, stored: float | None) -> str:
    """A stored value as the settings form shows it: '85', '2', '30', '4.5'."""
    if stored is None:
        return ""
    figure = ALL_FIGURES.get(key)
    value = stored * 100 if figure is not None and figure.unit == "rate" else stored
    text = f"{round(value, 4):.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def unit_label(figure: Figure) -> str:
    """The unit a person types the value in."""
    return str(
        {
            "rate": "%",
            "seconds": _("seconds"),
            "minutes": _("minutes"),
            "points": _("points"),
            "score5": _("score 1–5"),
            "count": "",
        }[figure.unit]
    )


def direction(figure: Figure) -> str:
    """'≥' when higher is better, '≤' when lower is, '' for volumes."""
    if figure.higher_is_better is None:
        return ""
    return "≥" if figure.higher_is_better else "≤"


def figure_choices(catalogue: dict[str, Figure]) -> list[tuple[str, str]]:
    lang = language()
    return [(key, f.label(lang)) for key, f in catalogue.items()]


class _ValueForm(forms.Form):
    """A figure and its value in the unit a person types (percent for rates)."""

    catalogue: dict[str, Figure] = FIGURES

    key = forms.ChoiceField(label=_("Figure"))
    value = forms.FloatField(
        label=_("Value"),
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["key"].choices = figure_choices(self.catalogue)

    def clean(self) -> dict:
        data = super().clean()
        key, value = data.get("key"), data.get("value")
        if key is not None and value is not None:
            try:
                data["stored_value"] = actions.check_value(
                    key, to_stored(key, value), catalogue=self.catalogue
                )
            except ValidationError as exc:
                self.add_error("value", exc)
        return data


class TargetForm(_ValueForm):
    team = forms.ModelChoiceField(
        label=_("Team"),
        queryset=Team.objects.all(),
        required=False,
        empty_label=_("Whole department"),
    )
    tier = forms.ChoiceField(label=_("Tier"), required=False)

    field_order = ["key", "team", "tier", "value"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["value"].label = _("Target (rates in percent)")
        self.fields["tier"].choices = [("", _("All tiers")), *Tier.choices]


class BenchmarkValueForm(_ValueForm):
    catalogue = ALL_FIGURES

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["value"].label = _("Value (rates in percent)")


class BenchmarkSetForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=actions.NAME_MAX)


class ImprovementActionForm(forms.Form):
    on = DayField(label=_("Date"))
    title = forms.CharField(label=_("Action taken"), max_length=actions.TITLE_MAX)
    team = forms.ModelChoiceField(
        label=_("Team"),
        queryset=Team.objects.all(),
        required=False,
        empty_label=_("Whole department"),
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
