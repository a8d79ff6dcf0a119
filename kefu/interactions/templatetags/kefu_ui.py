"""Display helpers shared by Kefu's pages: durations, call offsets, channel icons, stars."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from kefu.lib.people import person_name

register = template.Library()

# Inline SVG (Feather-style strokes) so icons need no icon font and no network.
_ICON_PATHS = {
    "chat": '<path d="M21 15a2 2 0 0 1-2 2H7l-4 4V5a2 2 0 0 1 2-2h14a2 2 0 0 1 2 2z"/>',
    "phone": (
        '<path d="M22 16.92v3a2 2 0 0 1-2.18 2 19.8 19.8 0 0 1-8.63-3.07 19.5 19.5 0 0 1-6-6'
        " 19.8 19.8 0 0 1-3.07-8.67A2 2 0 0 1 4.11 2h3a2 2 0 0 1 2 1.72c.13.96.36 1.9.7 2.81"
        "a2 2 0 0 1-.45 2.11L8.09 9.91a16 16 0 0 0 6 6l1.27-1.27a2 2 0 0 1 2.11-.45c.9.34"
        ' 1.85.57 2.81.7A2 2 0 0 1 22 16.92z"/>'
    ),
    "email": ('<rect x="2" y="4" width="20" height="16" rx="2"/><path d="m22 6-10 7L2 6"/>'),
    "app": '<rect x="5" y="2" width="14" height="20" rx="2"/><path d="M12 18h.01"/>',
}


@register.simple_tag
def channel_icon(channel: str) -> SafeString:
    """An inline icon for a conversation channel (chat, phone, email, app)."""
    paths = _ICON_PATHS.get(channel, _ICON_PATHS["chat"])
    # Constant markup: `channel` only selects one of the fixed paths (and is a slug).
    return mark_safe(
        f'<svg class="icon icon-{channel}" viewBox="0 0 24 24" width="16" height="16" '
        'fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" '
        f'stroke-linejoin="round" aria-hidden="true">{paths}</svg>'
    )


@register.filter
def mmss(seconds: float | None) -> str:
    """Offset inside a call: 75.4 → "01:15"; an hour or more → "1:02:03"."""
    if seconds is None:
        return "—"
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


@register.filter
def duration(seconds: float | None) -> str:
    """Human duration: "29 s", "4 min 12 s", "2 h 5 min" (translated)."""
    if seconds is None:
        return "—"
    total = round(seconds)
    if total < 60:
        return _("%(s)d s") % {"s": total}
    minutes, secs = divmod(total, 60)
    if minutes < 60:
        return _("%(m)d min %(s)d s") % {"m": minutes, "s": secs}
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return _("%(h)d h %(m)d min") % {"h": hours, "m": minutes}
    days, hours = divmod(hours, 24)
    return _("%(d)d d %(h)d h") % {"d": days, "h": hours}


@register.simple_tag
def between(start, end) -> str:
    """Duration between two datetimes, or "—" when one is missing."""
    if start is None or end is None:
        return "—"
    return duration((end - start).total_seconds())


@register.simple_tag
def csat_stars(score: int | None) -> SafeString:
    """Five stars with `score` filled; screen readers get "4 / 5"."""
    if score is None:
        return mark_safe('<span class="muted">—</span>')
    score = max(0, min(5, int(score)))
    return format_html(
        '<span class="stars" title="{0} / 5" aria-label="{0} / 5">'
        '<span class="stars-on">{1}</span><span class="stars-off">{2}</span></span>',
        score,
        "★" * score,
        "★" * (5 - score),
    )


@register.simple_tag
def seconds_between(start: float | None, end: float | None) -> str:
    """Length of a call segment from its start/end offsets: "4.2 s"."""
    if start is None or end is None:
        return "—"
    return _("%(s)s s") % {"s": f"{max(0.0, end - start):.1f}"}


@register.filter
def compact(value: object) -> str:
    """A JSON value for a table cell: lists joined by commas, objects as key=value."""
    if isinstance(value, list | tuple):
        return ", ".join(compact(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}={compact(v)}" for k, v in value.items())
    return "" if value is None else str(value)


@register.filter
def person(user: object) -> str:
    """A user by name (full name, else log-in name); "—" for nobody."""
    return person_name(user) or "—"
