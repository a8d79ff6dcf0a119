from django import template

register = template.Library()


@register.filter
def percent(rate: float | None, signed: bool = False) -> str:
    """0.123 → "12.3 %"; signed: "+1.2 pp" (a difference of rates, in percentage points)."""
    if rate is None:
        return "—"
    if signed:
        return f"{rate * 100:+.1f} pp"
    return f"{rate * 100:.1f} %"
