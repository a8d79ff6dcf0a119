"""The certification formula (kefu/training/core/certification.py)."""

import pytest

from kefu.training.core.certification import (
    Components,
    Weights,
    certificate_number,
    communication_score,
    passes,
    weighted_total,
)


def test_the_seed_weights_make_the_total():
    total = weighted_total(Components(90, 80, 70), Weights(40, 30, 30))
    assert total == pytest.approx(0.4 * 90 + 0.3 * 80 + 0.3 * 70)  # 81.0
    assert not passes(total, 85) and passes(total, 81)


def test_edited_weights_are_used_and_need_not_add_to_100():
    assert weighted_total(Components(100, 50, 0), Weights(1, 1, 0)) == pytest.approx(75)


def test_a_missing_weighted_component_leaves_the_total_undecided():
    assert weighted_total(Components(95, None, 90), Weights()) is None
    assert not passes(None, 0)
    # a component weighted 0 is not needed
    assert weighted_total(Components(95, None, 90), Weights(50, 0, 50)) == pytest.approx(92.5)


def test_weights_must_be_positive():
    with pytest.raises(ValueError):
        Weights(0, 0, 0)
    with pytest.raises(ValueError):
        Weights(-10, 60, 50)


def test_communication_is_100_plus_the_signed_points_of_the_communication_sections():
    results = [
        [{"item": "greeting", "section": "politeness", "points": -5},
         {"item": "shirking", "section": "solving", "points": -15}],  # solving: not counted
        [],  # a clean conversation
        [{"item": "rude", "section": "politeness", "points": -100, "fatal": True}],
    ]  # fmt: skip
    assert communication_score(results) == pytest.approx(round((95 + 100 + 0) / 3, 1))
    assert communication_score(results, ["solving"]) == pytest.approx(round(285 / 3, 1))
    assert communication_score([]) is None


def test_a_certificate_number_names_cycle_and_agent():
    assert certificate_number("2026q4", "a0007") == "KF-2026Q4-A0007"
