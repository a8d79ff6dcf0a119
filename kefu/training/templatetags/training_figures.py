"""Template filters of the training figures."""

from __future__ import annotations

from django import template
from django.utils.formats import number_format
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def percent(rate: float | None, digits: int = 1) -> str:
    """0.9792 → "97.9 %"; None → "—" (an empty denominator is no figure)."""
    if rate is None:
        return "—"
    return f"{number_format(rate * 100, int(digits))} %"


@register.filter
def points(change: float | None) -> str:
    """A change of rates in percentage points: −0.052 → "−5.2 pp"; None → "—"."""
    if change is None:
        return "—"
    text = number_format(abs(change) * 100, 1)
    zero = round(abs(change) * 100, 1) == 0
    sign = "±" if zero else "−" if change < 0 else "+"
    return _("%(change)s pp") % {"change": f"{sign}{text}"}
