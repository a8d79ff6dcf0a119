"""The practice error rate (kefu/training/core/practice_errors.py), without a database."""

from __future__ import annotations

from datetime import date

import pytest

from kefu.qa.core.defaults import default_engine
from kefu.qa.core.scorecard import ItemScore
from kefu.training.core.practice_errors import (
    Fact,
    calendar_weeks,
    checked_items,
    count_errors,
    error_rate,
    pooled,
    week_since_hire,
    weeks_since_hire,
)


def test_a_chat_practice_has_the_default_scorecard_s_twenty_checks():
    scorecard = default_engine().scorecard
    checked = [i.id for i in checked_items(scorecard, "chat")]
    assert len(checked) == 20
    # no phone speech items, no 0-point customer-risk warnings
    assert "silence" not in checked and "emotion" not in checked
    assert {"greeting", "closing", "taboo", "first_response", "pii"} <= set(checked)
    # e-mail: the seconds-scale waits do not judge it
    assert "first_response" not in [i.id for i in checked_items(scorecard, "email")]


def test_errors_are_the_checks_that_applied():
    scorecard = default_engine().scorecard
    applied = [
        ItemScore("greeting", "politeness", -5, False, ("missing_greeting",)),
        ItemScore("taboo", "politeness", -20, False, ("forbidden_phrase",)),
        ItemScore("emotion", "customer_risk", -0.0, False, ("negative_emotion",)),  # no check
        ItemScore("silence", "speech", -3, False, ("long_silence",)),  # phone only
    ]
    checked = count_errors(scorecard, applied, "chat")
    assert (checked.errors, checked.checks) == (2, 20)
    assert checked.failed == ("greeting", "taboo")
    assert checked.rate == pytest.approx(0.1)


def test_a_fatal_item_is_one_error():
    scorecard = default_engine().scorecard
    applied = [ItemScore("secrets", "compliance", -100, True, ("asks_for_secret",))]
    assert count_errors(scorecard, applied, "chat").errors == 1


def test_the_rate_is_pooled_and_none_without_checks():
    assert error_rate(11, 40) == pytest.approx(0.275)
    assert error_rate(0, 0) is None
    with pytest.raises(ValueError):
        error_rate(3, 2)


def test_weeks_since_hire():
    hired = date(2024, 3, 4)
    assert week_since_hire(hired, date(2024, 3, 4)) == 1
    assert week_since_hire(hired, date(2024, 3, 10)) == 1
    assert week_since_hire(hired, date(2024, 3, 11)) == 2
    assert week_since_hire(hired, date(2024, 3, 3)) is None


def test_an_agent_s_weeks_pool_their_practices():
    hired = date(2024, 3, 4)
    facts = [
        Fact(date(2024, 3, 5), 6, 20),
        Fact(date(2024, 3, 8), 5, 20),
        Fact(date(2024, 3, 20), 1, 20),  # week 3
        Fact(date(2024, 3, 1), 9, 20),  # before the hire: not counted
    ]
    weeks = weeks_since_hire(facts, hired)
    assert [(w.week, w.practices, w.errors, w.checks) for w in weeks] == [
        (1, 2, 11, 40),
        (3, 1, 1, 20),
    ]
    assert weeks[0].rate == pytest.approx(0.275)
    assert weeks[1].start == date(2024, 3, 18)


def test_the_cohort_adds_agents_week_by_week():
    a = weeks_since_hire([Fact(date(2024, 1, 1), 6, 20)], date(2024, 1, 1))
    b = weeks_since_hire(
        [Fact(date(2024, 5, 2), 4, 20), Fact(date(2024, 5, 9), 1, 20)], date(2024, 5, 1)
    )
    cohort = pooled([a, b])
    assert [(w.week, w.errors, w.checks) for w in cohort] == [(1, 10, 40), (2, 1, 20)]
    assert cohort[0].rate == pytest.approx(0.25)


def test_calendar_weeks_start_on_monday():
    facts = [Fact(date(2024, 5, 8), 2, 20), Fact(date(2024, 5, 12), 0, 20), Fact(date(2024, 5, 13), 1, 20)]  # fmt: skip
    weeks = calendar_weeks(facts)
    assert [(w.start, w.errors, w.checks) for w in weeks] == [
        (date(2024, 5, 6), 2, 40),
        (date(2024, 5, 13), 1, 20),
    ]
