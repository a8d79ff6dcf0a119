"""The QA roll-ups stay exactly the sums of the current results and hits through imports,
re-imports, re-scores with new versions and restarted runs; a period is read as whole
months plus edge days without gaps or overlaps."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kefu.qa import rollups, scoring, store
from kefu.qa import tasks as qa_tasks
from kefu.qa.models import Grain, HitRollup, QaResult, ResultRollup, ScorecardVersion
from kefu.qa.tests.test_views import CLEAN, SLOPPY, TABOO, chat, replaced

LINES = [CLEAN, TABOO, SLOPPY, replaced(CLEAN, 3, "你是不是傻，闭嘴吧。")]
AGENTS = ["A0007", "A0001", "A0102"]


def snapshot() -> tuple[set, set]:
    results = set(
        ResultRollup.objects.values_list(
            "grain", "period", "agent_id", "team_id", "scored", "passed", "fatal", "score_centi"
        )
    )
    hits = set(
        HitRollup.objects.values_list("grain", "period", "indicator", "agent_id", "team_id", "hits")
    )
    return results, hits


def assert_rollups_match_the_rows() -> None:
    kept = snapshot()
    rollups.rebuild()
    assert kept == snapshot()


def _new_version(pass_line: float) -> ScorecardVersion:
    current = store.default_version()
    number = current.number + 1
    return ScorecardVersion.objects.create(
        scorecard=current.scorecard,
        number=number,
        definition={**current.definition, "pass_line": pass_line, "version": number},
    )


# --- periods ----------------------------------------------------------------------------------
@given(
    start=st.dates(min_value=date(2023, 1, 1), max_value=date(2025, 12, 31)),
    length=st.integers(min_value=0, max_value=800),
)
def test_a_period_splits_into_whole_months_and_edge_days_exactly(start, length):
    end = start + timedelta(days=length)
    split = rollups.split_period(start, end)
    covered: list[date] = []
    if split.months:
        first, last = split.months
        assert first.day == 1 and last.day == 1 and first <= last
        day = first
        while day <= last:  # every day of the whole months
            nxt = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
            covered += [day + timedelta(days=i) for i in range((nxt - day).days)]
            day = nxt
    for first, last in split.days:
        covered += [first + timedelta(days=i) for i in range((last - first).days + 1)]
    assert sorted(covered) == [start + timedelta(days=i) for i in range(length + 1)]
    assert len(split.days) <= 2


# --- staying exact -----------------------------------------------------------------------------
@pytest.mark.django_db
def test_rollups_follow_imports_reimports_and_rescores(personas, import_records):
    # given conversations of three agents over two months
    records = [
        chat(f"C-RU-{n}", AGENTS[n % 3], n * 5 - 30, LINES[n % len(LINES)]) for n in range(10)
    ]
    import_records(*records)
    assert ResultRollup.objects.filter(grain=Grain.MONTH).exists()
    assert_rollups_match_the_rows()
    # a re-import moves one to another agent and makes another clean
    moved = chat("C-RU-1", "A0102", -25, TABOO)
    cleaned = chat("C-RU-2", AGENTS[2], -20, CLEAN)
    import_records(moved, cleaned)
    assert_rollups_match_the_rows()
    # a new version demotes every result to history; running it twice changes nothing
    v2 = _new_version(pass_line=95)
    scoring.rescore(v2)
    assert_rollups_match_the_rows()
    before = snapshot()
    scoring.rescore(v2)
    assert snapshot() == before
    # and the totals are those of the current results
    month_rows = ResultRollup.objects.filter(grain=Grain.MONTH)
    assert sum(r.scored for r in month_rows) == QaResult.objects.filter(is_current=True).count()
    assert (
        sum(r.passed for r in month_rows)
        == QaResult.objects.filter(is_current=True, passed=True).count()
    )


@pytest.mark.django_db
def test_a_run_cut_off_half_way_leaves_exact_rollups(personas, import_records, monkeypatch):
    import_records(*[chat(f"C-RC-{n}", AGENTS[n % 3], n, LINES[n % 4]) for n in range(5)])
    monkeypatch.setattr(scoring, "CHUNK", 2)
    real = scoring._score_chunk
    calls = []

    def dies_on_the_second_chunk(chunk, *args):
        calls.append(chunk)
        if len(calls) == 2:
            raise RuntimeError("killed")
        return real(chunk, *args)

    monkeypatch.setattr(scoring, "_score_chunk", dies_on_the_second_chunk)
    run = scoring.create_run(_new_version(pass_line=90))
    with pytest.raises(RuntimeError):
        scoring.execute_run(run.pk)
    assert_rollups_match_the_rows()  # the first chunk's transaction counted, nothing else
    qa_tasks.restart_run(run)
    assert_rollups_match_the_rows()


@pytest.mark.django_db
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    steps=st.lists(
        st.tuples(
            st.integers(0, 5),  # which conversation
            st.sampled_from(AGENTS),
            st.integers(-40, 40),  # day offset
            st.integers(0, len(LINES) - 1),
        ),
        min_size=1,
        max_size=8,
    ),
    rescore_at=st.integers(0, 8),
)
def test_any_sequence_of_writes_keeps_rollups_exact(personas, import_records, steps, rescore_at):
    for n, (which, agent, days, lines) in enumerate(steps):
        if n == rescore_at:
            scoring.rescore(_new_version(pass_line=80 + n))
        import_records(chat(f"C-HY-{which}", agent, days, LINES[lines]))
    assert_rollups_match_the_rows()


@pytest.mark.django_db
def test_the_command_rebuilds_lost_rollups(personas, import_records):
    from io import StringIO

    from django.core.management import call_command

    import_records(chat("C-RB-1", "A0007", 0, TABOO))
    kept = snapshot()
    HitRollup.objects.all().delete()
    out = StringIO()
    call_command("qa", "rollup", stdout=out)
    assert snapshot() == kept and "roll-ups rebuilt" in out.getvalue()
