"""Issue 15 "one definition each": each of these is defined once in kefu/ and imported
where used. A second definition (a copy that can drift) fails here."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

KEFU = Path(__file__).resolve().parent.parent / "kefu"

ONCE = {
    "the repeat-contact window": r"^REPEAT_WINDOW\s*=",
    "the FRT threshold": r"^FRT_THRESHOLD_S\s*=",
    "the scorecard's default base": r"^DEFAULT_BASE\s*=",
    "the scorecard's default pass line": r"^DEFAULT_PASS_LINE\s*=",
    "the request's language": r"^def (_?language|_lang)\(",
    "the configured time zone": r"ZoneInfo\(settings\.TIME_ZONE\)",
    "queue or run now": r"^def queue_or_run_now\(",
    "the native record from stored values": r"^def record_from_values\(",
    "keyset paging": r"^def (seek|keyset_page|key_page)\(",
    "the cursor codecs": r"^def (encode|decode)_cursor\(",
    "the conversation filters": r"^class ConversationFilter",
    "the rate interval (Wilson)": r"^def wilson\(",
    # issue 23: the SLA report and frt_over_target judge a first response the same way
    "the first-response breach": r"^def breached\(",
    "the first-response wait as judged": r"^def judged_seconds\(",
}


def _sources() -> list[tuple[Path, str]]:
    return [
        (path, path.read_text(encoding="utf-8"))
        for path in KEFU.rglob("*.py")
        if "tests" not in path.parts and "migrations" not in path.parts
    ]


@pytest.mark.parametrize("what", sorted(ONCE))
def test_it_defines_each_once(what):
    pattern = re.compile(ONCE[what], re.MULTILINE)
    found = [
        str(path.relative_to(KEFU)) for path, text in _sources() for _ in pattern.finditer(text)
    ]
    expected = {"keyset paging": 3, "the cursor codecs": 2, "the conversation filters": 2}
    assert len(found) == expected.get(what, 1), found
