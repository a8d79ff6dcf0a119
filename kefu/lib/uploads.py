"""The type of an uploaded file, from its extension checked against its first bytes, so an
HTML or SVG file renamed .png is refused wherever files are attached."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import PurePath

from kefu.lib.errors import Invalid

# extension → (content type, the file's first bytes, one of); no bytes: plain text.
FileTypes = Mapping[str, tuple[str, tuple[bytes, ...]]]
# RIFF containers name their form at bytes 8–12; ISO media files name "ftyp" at 4–8.
RIFF_FORMS = {".webp": b"WEBP", ".wav": b"WAVE"}


def checked_type(name: str, head: bytes, types: FileTypes, *, refusal: str, mismatch: str) -> str:
    """The content type of a file named `name` starting with `head` (≥ 12 bytes read);
    Invalid(refusal) for an extension not in `types`, Invalid(mismatch) when the bytes
    are not what the extension says (or a text file holds NUL bytes)."""
    suffix = PurePath(name).suffix.lower()
    known = types.get(suffix)
    if known is None:
        raise Invalid(refusal)
    content_type, magics = known
    if not magics:
        if b"\x00" in head:
            raise Invalid(mismatch)
        return content_type
    probe = head[4:12] if magics == (b"ftyp",) else head
    if not any(probe.startswith(m) for m in magics):
        raise Invalid(mismatch)
    form = RIFF_FORMS.get(suffix)
    if form is not None and head[8:12] != form:
        raise Invalid(mismatch)
    return content_type
