"""Calendar time stays the default and unchanged: `kefu metrics` on the small demo gives
byte for byte what it gave before business time existed (data/demo_calendar_metrics.txt,
written by the code before that change)."""

from __future__ import annotations

import io
import math
import os
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

GOLDEN = Path(__file__).parent / "data" / "demo_calendar_metrics.txt"
RUNS = (
    ("--from", "2024-01-01", "--to", "2024-12-31"),
    ("--from", "2024-01-01", "--to", "2024-12-31", "--by", "team"),
    ("--from", "2024-01-01", "--to", "2024-12-31", "--by", "month"),
    ("--from", "2024-01-01", "--to", "2024-12-31", "--by", "segment"),
    ("--from", "2024-05-01", "--to", "2024-05-31", "--by", "channel"),
)


def output() -> str:
    parts = []
    for args in RUNS:
        out = io.StringIO()
        call_command("metrics", *args, stdout=out, stderr=io.StringIO())
        parts.append(" ".join(args) + "\n" + out.getvalue())
    return "\n".join(parts)


@pytest.mark.django_db
def test_calendar_output_is_byte_identical_to_before_on_the_demo():
    call_command("demo", "--seed", "42", "--size", "small", stdout=io.StringIO())
    text = output()
    if os.environ.get("KEFU_WRITE_GOLDEN"):  # run once on the code before the change
        GOLDEN.write_text(text, encoding="utf-8")
    golden = GOLDEN.read_text(encoding="utf-8")
    if connection.vendor == "sqlite":
        assert text == golden
    else:
        # PostgreSQL sums the same floats in another order: equal to the last bits only.
        assert same_but_rounding(text, golden)


NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")


def same_but_rounding(text: str, golden: str) -> bool:
    """The same text, numbers equal to 12 significant digits."""
    if NUMBER.sub("#", text) != NUMBER.sub("#", golden):
        return False
    pairs = zip(NUMBER.findall(text), NUMBER.findall(golden), strict=True)
    return all(math.isclose(float(a), float(b), rel_tol=1e-12) for a, b in pairs)
