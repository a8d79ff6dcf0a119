"""The URL converter for external ids (conversation, customer): any printable id routes.

Ids come from customers' systems and may hold `/`, `?`, `#`, `%`, spaces, Chinese or be
`..`. `<str:…>` cannot reverse an id with `/` (NoReverseMatch broke whole list pages)
and `<path:…>` makes `a/b/suggest/` ambiguous and lets browsers fold `..`. So the id
stays one path segment: `%`, `/`, `\\` (browsers read it as `/`) and an id of dots alone
are percent-encoded here, and Django's reverse percent-encodes the result once more (the
server decodes one level before routing, to_python the other). live.js mirrors to_url
(`externalIdUrl`) for the links it builds.
"""

from __future__ import annotations

from urllib.parse import unquote

from django.urls import register_converter

_ESCAPES = str.maketrans({"%": "%25", "/": "%2F", "\\": "%5C"})


class ExternalIdConverter:
    regex = "[^/]+"

    def to_python(self, value: str) -> str:
        return unquote(value)

    def to_url(self, value: str) -> str:
        value = str(value)
        if value and not value.strip("."):  # "." or "..": dot segments browsers fold
            return "%2E" * len(value)
        return value.translate(_ESCAPES)


register_converter(ExternalIdConverter, "extid")


class ApiIdConverter:
    """GET /api/v1/conversations/{id}: clients percent-encode an id once, so it arrives
    with its `/` decoded (the other API id routes use `{path:…}`). This route is declared
    before `…/{id}/messages`, so its id may not end in `/messages`: the two stay apart."""

    regex = ".+(?<!/messages)"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return str(value)


register_converter(ApiIdConverter, "apiid")
