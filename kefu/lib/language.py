"""The language a request is answered in: one definition for every page and export."""

from __future__ import annotations

from django.conf import settings
from django.utils import translation


def language() -> str:
    """The active language code (e.g. "zh-hans", "en"); the site's default outside a
    request."""
    return translation.get_language() or settings.LANGUAGE_CODE


def short_language(code: str | None = None) -> str:
    """ "zh" or "en", the two languages of the built-in texts (of `code`, else the active)."""
    return "zh" if (code or language()).startswith("zh") else "en"
