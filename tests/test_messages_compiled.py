"""The compiled catalogue (django.mo) is the catalogue of django.po: a merge that leaves a
stale .mo shows English (or old) text on the pages while the .po looks right."""

from __future__ import annotations

import gettext
import shutil
import subprocess
from pathlib import Path

import pytest

LOCALE = Path(__file__).resolve().parents[1] / "kefu" / "locale" / "zh_Hans" / "LC_MESSAGES"


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="gettext's msgfmt is not installed")
def test_the_compiled_catalogue_matches_the_po_file(tmp_path):
    fresh = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "-o", str(fresh), str(LOCALE / "django.po")], check=True)
    with open(fresh, "rb") as f:
        expected = gettext.GNUTranslations(f)._catalog  # type: ignore[attr-defined]
    with open(LOCALE / "django.mo", "rb") as f:
        shipped = gettext.GNUTranslations(f)._catalog  # type: ignore[attr-defined]
    missing = sorted(str(k)[:80] for k in expected.keys() - shipped.keys())
    changed = sorted(str(k)[:80] for k in expected.keys() & shipped.keys()
                     if expected[k] != shipped[k])  # fmt: skip
    assert not missing and not changed, (
        "django.mo is stale: run `make messages` (or compilemessages); "
        f"missing {missing[:5]}, changed {changed[:5]}"
    )
