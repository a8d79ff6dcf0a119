"""The long commands' progress (kefu.lib.progress): counts, the bar on a terminal, and
nothing extra when the output is piped."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command

from conftest import native_conversation
from kefu.lib import progress
from kefu.lib.progress import BYTES, Progress, is_terminal


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_it_counts_updates_and_advances(monkeypatch):
    # given a bar that draws nothing, on a clock that stands still
    clock = [100.0]
    monkeypatch.setattr(progress.time, "monotonic", lambda: clock[0])
    bar = Progress("x", total=10, live=False)
    # when work is reported both ways over 2 seconds
    with bar:
        bar.update(4)
        bar.advance()
        bar.advance(2)
        clock[0] += 2
    # then the count is their sum, and the rate and time left follow from it
    assert bar.done == 7
    assert bar.rate == pytest.approx(3.5)
    assert bar.remaining == pytest.approx(3 / 3.5)


def test_it_learns_the_total_late():
    bar = Progress("x", live=False)
    assert bar.remaining is None
    bar.update(5, total=20)
    assert (bar.done, bar.total) == (5, 20)


def test_it_draws_nothing_when_the_stream_is_not_a_terminal(monkeypatch):
    monkeypatch.delenv("KEFU_PROGRESS", raising=False)
    piped = io.StringIO()
    with Progress("导入", total=100, stream=piped) as bar:
        bar.update(50)
    assert bar.live is False
    assert piped.getvalue() == ""


def test_it_draws_the_bar_with_count_rate_and_time_left_on_a_terminal(monkeypatch):
    monkeypatch.delenv("KEFU_PROGRESS", raising=False)
    tty = Terminal()
    with Progress("质检重评", total=200, unit="conversations", stream=tty) as bar:
        assert bar.live
        bar.update(50)
        bar.update(150)
    drawn = tty.getvalue()
    assert "质检重评" in drawn
    assert "150/200" in drawn
    assert "conversations/s" in drawn
    assert "0:00:00" in drawn  # elapsed and time left columns


def test_it_shows_bytes_in_readable_units(monkeypatch):
    tty = Terminal()
    with Progress("a.jsonl", total=2_000_000, unit=BYTES, stream=tty, live=True) as bar:
        bar.update(1_000_000)
    assert "1.0 MB/2.0 MB" in tty.getvalue()


def test_kefu_progress_overrides_the_terminal_test(monkeypatch):
    monkeypatch.setenv("KEFU_PROGRESS", "0")
    assert not is_terminal(Terminal())
    monkeypatch.setenv("KEFU_PROGRESS", "1")
    assert is_terminal(io.StringIO())


def _import_file(tmp_path):
    path = tmp_path / "in.jsonl"
    lines = [native_conversation(id=f"P{i}") for i in range(3)]
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in lines), "utf-8")
    return path


@pytest.mark.django_db
def test_the_piped_import_prints_exactly_what_it_printed_before(tmp_path, monkeypatch):
    monkeypatch.delenv("KEFU_PROGRESS", raising=False)
    out, err = io.StringIO(), io.StringIO()
    call_command("import", str(_import_file(tmp_path)), "--language", "en", stdout=out, stderr=err)
    assert out.getvalue() == "read 3, created 3, updated 0, unchanged 0, rejected 0\n"
    assert err.getvalue() == ""


@pytest.mark.django_db
def test_on_a_terminal_the_import_draws_on_stderr_and_stdout_is_the_same(tmp_path, monkeypatch):
    monkeypatch.setenv("KEFU_PROGRESS", "1")
    out, err = io.StringIO(), io.StringIO()
    call_command("import", str(_import_file(tmp_path)), "--language", "en", stdout=out, stderr=err)
    assert out.getvalue() == "read 3, created 3, updated 0, unchanged 0, rejected 0\n"
    assert "in.jsonl" in err.getvalue()
    assert "━" in err.getvalue()  # the bar


@pytest.mark.django_db
def test_the_piped_export_writes_only_records_and_its_count(tmp_path, monkeypatch):
    monkeypatch.delenv("KEFU_PROGRESS", raising=False)
    call_command("import", str(_import_file(tmp_path)), stdout=io.StringIO())
    out, err = io.StringIO(), io.StringIO()
    target = tmp_path / "out.jsonl"
    call_command("export", "--output", str(target), "--no-agents", stdout=out, stderr=err)
    assert len(target.read_text("utf-8").splitlines()) == 3
    assert out.getvalue() == ""
    assert err.getvalue() == "exported 3 records\n"


@pytest.mark.django_db
def test_the_piped_metrics_rebuild_prints_its_plain_lines_as_before(tmp_path, monkeypatch):
    monkeypatch.delenv("KEFU_PROGRESS", raising=False)
    call_command("import", str(_import_file(tmp_path)), stdout=io.StringIO())
    out, err = io.StringIO(), io.StringIO()
    call_command("metrics_rebuild", stdout=out, stderr=err)
    assert out.getvalue() == ""
    first, summary = err.getvalue().splitlines()
    assert first == "  3 / 3 conversations"  # the plain line of every 5 s, no bar
    assert summary.startswith("rebuilt KPI facts of 3 conversations in ")
