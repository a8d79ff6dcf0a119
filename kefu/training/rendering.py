"""Lesson texts: Markdown (CommonMark + tables + strikethrough) to safe HTML.

markdown-it-py with raw HTML switched off: any `<tag>` a trainer types is shown as text,
never interpreted, so a lesson cannot carry a script or an event handler (the pages'
Content-Security-Policy forbids inline script anyway). Links and images keep only
http(s), mailto and relative targets (`javascript:`, `data:`, `vbscript:`… are left as
text). No sanitiser runs after it because nothing unsafe is produced to remove.
"""

from __future__ import annotations

import re

from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

_ALLOWED = re.compile(r"^(?:https?:|mailto:|/(?!/)|#|\.{1,2}/|[^:/?#]+(?:[/?#]|$))", re.I)


def _validate_link(url: str) -> bool:
    return bool(_ALLOWED.match(url.strip()))


_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
_md.enable(["table", "strikethrough"])
_md.validateLink = _validate_link


def render(text: str) -> SafeString:
    """A lesson's Markdown as HTML safe to put in a page."""
    # Raw HTML is off: whatever HTML the text holds was escaped by the renderer.
    return mark_safe(_md.render(text or ""))
