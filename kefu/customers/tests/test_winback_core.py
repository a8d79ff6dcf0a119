"""Win-back lists' core (kefu.customers.core.winback) and the shared rate intervals."""

from __future__ import annotations

from datetime import date

import pytest
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

from kefu.core.intervals import newcombe, wilson
from kefu.customers.core import winback


def test_the_split_is_deterministic_and_near_the_share():
    groups = [winback.group_of(7, c, 0.1) for c in range(20_000)]
    assert groups == [winback.group_of(7, c, 0.1) for c in range(20_000)]
    share = groups.count(winback.CONTROL) / len(groups)
    assert share == pytest.approx(0.1, abs=0.01)


def test_the_split_depends_on_the_campaign():
    a = [winback.group_of(1, c, 0.5) for c in range(200)]
    b = [winback.group_of(2, c, 0.5) for c in range(200)]
    assert a != b


def test_a_zero_share_holds_nobody_back():
    assert {winback.group_of(3, c, 0.0) for c in range(500)} == {winback.CONTACT}
    with pytest.raises(ValueError):
        winback.group_of(3, 1, 1.0)


@pytest.mark.parametrize(("k", "n"), [(0, 10), (3, 10), (10, 10), (47, 100), (1, 3)])
def test_wilson_matches_statsmodels(k, n):
    low, high = proportion_confint(k, n, alpha=0.05, method="wilson")
    estimate = wilson(k, n)
    assert estimate.low == pytest.approx(low, abs=1e-9)
    assert estimate.high == pytest.approx(high, abs=1e-9)


@pytest.mark.parametrize(
    ("k1", "n1", "k2", "n2"), [(30, 100, 5, 20), (0, 50, 0, 5), (12, 40, 9, 41)]
)
def test_newcombe_matches_statsmodels(k1, n1, k2, n2):
    low, high = confint_proportions_2indep(k1, n1, k2, n2, method="newcomb", compare="diff")
    estimate = newcombe(k1, n1, k2, n2)
    assert estimate.value == pytest.approx(k1 / n1 - k2 / n2)
    assert estimate.low == pytest.approx(low, abs=1e-9)
    assert estimate.high == pytest.approx(high, abs=1e-9)


def test_a_clear_lift_is_higher_with_its_relative_size():
    result = winback.compare(300, 1000, 20, 200)  # 30 % against 10 %
    assert result.verdict == winback.HIGHER
    assert result.difference.value == pytest.approx(0.2)
    assert result.relative == pytest.approx(2.0)
    assert not result.small_control


def test_a_tiny_group_claims_no_direction():
    # 1 of 2 held back came back against 1 of 20 contacted: Newcombe's interval lies
    # below 0, but two members tell nothing
    result = winback.compare(1, 20, 1, 2)
    assert result.difference.high < 0
    assert result.verdict == winback.TOO_FEW and result.small_control


def test_a_small_control_is_not_distinguishable():
    # 47 % relative lift, but a control of 10: the interval holds 0
    result = winback.compare(44, 100, 3, 10)
    assert result.relative == pytest.approx(0.44 / 0.3 - 1)
    assert result.verdict == winback.NOT_DISTINGUISHABLE
    assert result.small_control
    assert result.difference.low < 0 < result.difference.high


def test_lower_and_the_empty_groups():
    assert winback.compare(10, 1000, 100, 1000).verdict == winback.LOWER
    nobody_held = winback.compare(10, 100, 0, 0)
    assert nobody_held.verdict == winback.NO_CONTROL and nobody_held.control.value is None
    assert nobody_held.relative is None and nobody_held.difference.value is None
    assert winback.compare(0, 0, 3, 10).verdict == winback.NO_CONTACT
    # a control rate of 0: no relative lift (division by zero), the difference stands
    zero = winback.compare(10, 100, 0, 50)
    assert zero.relative is None and zero.difference.value == pytest.approx(0.1)


# --- came back: started by the customer, not the outreach --------------------------------
DAY = date(2024, 5, 18)


def visit(**kw) -> winback.Visit:
    values = {"customer_id": 1, "day": DAY, "channel": "chat", "agent_id": 7,
              "customer_wrote": True}  # fmt: skip
    return winback.Visit(**(values | kw))


def test_a_conversation_the_customer_started_is_coming_back():
    assert winback.started_by_customer(visit())
    assert winback.started_by_customer(visit(channel="phone"))  # no outreach recorded


def test_the_outreach_is_not_coming_back():
    outreach = winback.Outreach(DAY, frozenset({7}))
    # the record says the department started it, whatever the channel
    assert not winback.started_by_customer(visit(outbound=True))
    assert not winback.started_by_customer(visit(channel="phone", outbound=True))
    # the customer never wrote or spoke
    assert not winback.started_by_customer(visit(customer_wrote=False))
    # an agent wrote first in a chat, an app chat, an e-mail
    for channel in ("chat", "app", "email"):
        assert not winback.started_by_customer(visit(channel=channel, agent_first=True))
    # a call with the outreach's agent on the day the outcome was recorded
    assert not winback.started_by_customer(visit(channel="phone"), outreach)
    # … but a call on another day, or with another agent, is the customer's
    assert winback.started_by_customer(visit(channel="phone", day=date(2024, 5, 19)), outreach)
    assert winback.started_by_customer(visit(channel="phone", agent_id=8), outreach)
    # and a chat the customer started that day is the customer's (the agent's did not come first)
    assert winback.started_by_customer(visit(), outreach)


def test_came_back_applies_one_rule_to_both_groups():
    visits = [
        visit(customer_id=1, channel="phone"),  # contact member 1: the outreach call
        visit(customer_id=2, channel="phone"),  # control member 2: the same kind of call
        visit(customer_id=3, outbound=True),  # 3: only an outbound conversation
    ]
    outreaches = {1: winback.Outreach(DAY, frozenset({7}))}
    assert winback.came_back(visits, outreaches) == {2}
