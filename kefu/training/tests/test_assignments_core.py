"""Assignment rules and their effect (kefu/training/core/assigning.py, effect.py), by hand."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from kefu.training.core import assigning, effect

D0 = date(2024, 6, 15)


# --- who is due a lesson ------------------------------------------------------------------
def test_the_window_is_the_last_d_days_today_included():
    assert assigning.window(D0, 30) == (date(2024, 5, 17), D0)
    assert assigning.window(D0, 1) == (D0, D0)
    with pytest.raises(ValueError):
        assigning.window(D0, 0)


def test_hits_outside_the_window_or_before_the_last_completion_do_not_count():
    first, last = assigning.window(D0, 10)
    hits = [
        (1, D0),
        (1, D0 - timedelta(days=9)),  # first day of the window
        (1, D0 - timedelta(days=10)),  # just before it
        (2, D0 - timedelta(days=3)),
        (2, D0 - timedelta(days=5)),  # on the day of 2's completion: the old evidence
        (2, D0 + timedelta(days=1)),  # after today
    ]
    counts = assigning.counted_hits(hits, first, last, {2: D0 - timedelta(days=5)})
    assert counts == {1: 2, 2: 1}


def test_agents_with_enough_hits_and_no_open_assignment_are_due():
    counts = {1: 3, 2: 2, 3: 5, 4: 3}
    assert assigning.due(counts, 3) == [1, 3, 4]
    assert assigning.due(counts, 3, open_agents=[3]) == [1, 4]
    assert assigning.due({1: 1}, 0) == [1]  # at least one hit, whatever the rule says
    assert assigning.due({1: 0}, 0) == []


# --- the effect ----------------------------------------------------------------------------
def days(first: date, n: int, per_day: tuple[int, int]) -> dict[date, tuple[int, int]]:
    return {first + timedelta(days=i): per_day for i in range(n)}


def test_windows_leave_out_the_day_of_completion():
    before, after = effect.windows(D0, 7)
    assert before == (D0 - timedelta(days=7), D0 - timedelta(days=1))
    assert after == (D0 + timedelta(days=1), D0 + timedelta(days=7))


def test_the_effect_compares_trained_agents_with_the_comparison_group():
    # given a trained agent (1) who hits on 4 of 10 conversations a day before completing
    # on D0 and 1 of 10 after; comparison agents 2 and 3 at 2 of 10 before and after,
    # and agent 4 of the comparison group without conversations
    before0 = D0 - timedelta(days=7)
    after0 = D0 + timedelta(days=1)
    series = {
        1: days(before0, 7, (10, 4)) | {D0: (10, 10)} | days(after0, 7, (10, 1)),
        2: days(before0, 7, (10, 2)) | days(after0, 7, (10, 2)),
        3: days(before0, 7, (5, 1)) | days(after0, 7, (5, 1)),
    }
    # when
    result = effect.effect(series, [effect.Completion(1, D0)], comparison=[2, 3, 4], days=7)
    # then: counts behind each figure, the completion day left out
    assert result.trained_before == effect.Window(70, 28, 1)
    assert result.trained_after == effect.Window(70, 7, 1)
    assert result.comparison_before == effect.Window(105, 21, 2)
    assert result.comparison_after == effect.Window(105, 21, 2)
    assert result.trained_before.rate == pytest.approx(0.4)
    assert result.trained_change == pytest.approx(-0.3)
    assert result.comparison_change == pytest.approx(0.0)
    assert result.difference == pytest.approx(-0.3)
    assert (result.completions, result.pending, result.comparison_agents) == (1, 0, 3)
    assert result.trained_agents == (1,)


def test_comparison_windows_follow_each_completion():
    # two completions a month apart: the comparison agent is measured in both pairs of
    # windows (its conversations in July count for the July completion only)
    july = D0 + timedelta(days=30)
    series = {
        1: {D0 - timedelta(days=1): (4, 2), july + timedelta(days=1): (4, 0)},
        9: {D0 - timedelta(days=1): (10, 5), july - timedelta(days=1): (10, 1)},
    }
    result = effect.effect(
        series, [effect.Completion(1, D0), effect.Completion(1, july)], comparison=[9], days=3
    )
    assert result.comparison_before == effect.Window(20, 6, 1)
    assert result.comparison_after == effect.Window(0, 0, 0)
    assert result.comparison_after.rate is None
    assert result.difference is None  # no comparison after: no difference claimed
    assert result.trained_before == effect.Window(4, 2, 1)
    assert result.trained_after == effect.Window(4, 0, 1)


def test_recent_completions_are_pending_not_measured():
    series = {1: {D0 - timedelta(days=1): (1, 1)}}
    result = effect.effect(
        series, [effect.Completion(1, D0)], comparison=[], days=7, until=D0 + timedelta(days=6)
    )
    assert (result.completions, result.pending) == (0, 1)
    assert result.trained_before == effect.Window()
    done = effect.effect(
        series, [effect.Completion(1, D0)], comparison=[], days=7, until=D0 + timedelta(days=7)
    )
    assert (done.completions, done.pending) == (1, 0)


def test_span_covers_every_window():
    cs = [effect.Completion(1, D0), effect.Completion(2, D0 + timedelta(days=10))]
    assert effect.span(cs, 5) == (D0 - timedelta(days=5), D0 + timedelta(days=15))
    assert effect.span([], 5) is None
    with pytest.raises(ValueError):
        effect.effect({}, cs, [], 0)


def test_an_item_fails_when_it_deducted_or_was_fatal():
    items = [
        {"item": "greeting", "points": -5, "fatal": False},
        {"item": "bonus", "points": 3, "fatal": False},
        {"item": "emotion", "points": 0, "fatal": False},
        {"item": "rude", "points": -100, "fatal": True},
    ]
    assert assigning.fails_item(items, "greeting")
    assert assigning.fails_item(items, "rude")
    assert not assigning.fails_item(items, "bonus")
    assert not assigning.fails_item(items, "emotion")  # a warning, not a failure
    assert not assigning.fails_item(items, "closing")
    assert not assigning.fails_item([], "greeting")
