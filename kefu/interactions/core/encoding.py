"""What a file to import is made of: its text encoding, or why it is not text at all.

Chinese Excel saves CSV as GB18030 (a superset of GBK and GB2312), other tools as UTF-8
with or without a byte-order mark. Anything else gets one clear sentence instead of a
decoding traceback or thousands of per-line errors.
"""

from __future__ import annotations

import codecs

from kefu.interactions.core.native import gettext_noop as _

SNIFF_BYTES = 256 * 1024
UTF8_BOM = codecs.BOM_UTF8

# File-level sentences have no parameters, so a stored one can be translated when shown.
NOT_TEXT = _(
    "This is not a text file (it contains binary data, e.g. an image or an archive). "
    "Upload a .jsonl or .csv file saved as UTF-8 or GB18030 text."
)
UTF16 = _("The file is UTF-16 text. Save it as UTF-8 (or GB18030) and upload it again.")
UNKNOWN_ENCODING = _(
    "The file is neither UTF-8 nor GB18030 (GBK) text. Save it as UTF-8 and upload it again."
)
BROKEN_CSV = _(
    "The CSV file cannot be read past a broken row (a quote that is never closed, or a "
    "cell longer than 131,072 characters). The records before it were imported, except "
    "the conversation that row may belong to."
)


class FileRejected(Exception):
    """The file as a whole cannot be imported; `sentence` is one of the constants above
    (English, marked for translation)."""

    def __init__(self, sentence: str) -> None:
        super().__init__(sentence)
        self.sentence = sentence


# Signatures of files people upload by mistake: PNG, JPEG, GIF, PDF, zip (xlsx, docx),
# gzip, 7z, RAR, old Excel (OLE).
MAGIC = (
    b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"%PDF", b"PK\x03\x04", b"\x1f\x8b",
    b"7z\xbc\xaf", b"Rar!", b"\xd0\xcf\x11\xe0",
)  # fmt: skip


def _bad_lines(lines: list[bytes], encoding: str) -> int:
    bad = 0
    for line in lines:
        try:
            line.decode(encoding)
        except UnicodeDecodeError:
            bad += 1
    return bad


def detect_encoding(head: bytes, *, whole_file: bool) -> str:
    """`utf-8-sig` (with or without a BOM) or `gb18030`, judged line by line from the first
    bytes of a file (`whole_file`: they are all of it). A few garbled lines do not decide
    it (they are rejected one by one later); raises FileRejected for a file that is not
    text in either encoding."""
    if head.startswith(UTF8_BOM):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise FileRejected(UTF16)
    # Binary formats put NUL bytes in their first bytes; a text file's first line has none.
    if head.startswith(MAGIC) or b"\x00" in head[:1024].split(b"\n", 1)[0]:
        raise FileRejected(NOT_TEXT)
    lines = [line for line in head.split(b"\n") if line.strip()]
    if not whole_file and lines:
        lines.pop()  # probably cut in the middle of a character
    utf8_bad = _bad_lines(lines, "utf-8")
    if not utf8_bad:
        return "utf-8-sig"
    gb_bad = _bad_lines(lines, "gb18030")
    if min(utf8_bad, gb_bad) * 2 > len(lines):
        raise FileRejected(UNKNOWN_ENCODING)
    return "gb18030" if gb_bad < utf8_bad else "utf-8-sig"
