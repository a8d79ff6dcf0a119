"""Rule tags: checking rules (refused with the condition and parameter at fault) and
evaluating each condition kind."""

from __future__ import annotations

import zoneinfo
from datetime import datetime, timedelta

import pytest

from kefu.customers.core.risk import Contact
from kefu.customers.core.tags import RuleError, Subject, check_rule, matches

TZ = zoneinfo.ZoneInfo("Asia/Shanghai")
AS_OF = datetime(2024, 12, 31, tzinfo=TZ)


def ago(days: int, **kw) -> Contact:
    return Contact(at=AS_OF - timedelta(days=days), **kw)


@pytest.mark.parametrize(
    ("rule", "path"),
    [
        ([], "rule"),
        ("spend", "rule"),
        ([{"kind": "nope"}], "rule[0].kind"),
        ([{"kind": "spend_at_least", "amount": 100}], "rule[0].days"),
        ([{"kind": "spend_at_least", "amount": "many", "days": 30}], "rule[0].amount"),
        ([{"kind": "spend_at_least", "amount": 100, "days": 0}], "rule[0].days"),
        ([{"kind": "spend_at_least", "amount": True, "days": 30}], "rule[0].amount"),
        ([{"kind": "risk_label", "label": "extreme"}], "rule[0].label"),
        ([{"kind": "segment", "segment": "vip", "x": 1}], "rule[0].x"),
        ([{"kind": "segment", "segment": "v\x00ip"}], "rule[0].segment"),
        ([{"kind": "segment", "segment": "vip"}] * 6, "rule"),
    ],
)
def test_it_refuses_bad_rules_naming_the_place(rule, path):
    with pytest.raises(RuleError) as caught:
        check_rule(rule)
    assert caught.value.path == path


def test_it_normalises_numbers_given_as_text():
    assert check_rule([{"kind": "spend_at_least", "amount": " 2000 ", "days": "365"}]) == [
        {"kind": "spend_at_least", "amount": 2000, "days": 365}
    ]


def test_high_value_is_spend_in_the_window():
    rule = check_rule([{"kind": "spend_at_least", "amount": 2000, "days": 365}])
    rich = Subject([ago(10, spend=1500.0), ago(200, spend=600.0), ago(400, spend=5000.0)])
    poor = Subject([ago(10, spend=1500.0), ago(400, spend=5000.0)])
    assert matches(rule, rich, AS_OF) and not matches(rule, poor, AS_OF)


def test_likely_to_churn_is_silence_after_enough_contacts():
    rule = check_rule([{"kind": "no_contact_for", "days": 60, "contacts": 2}])
    assert matches(rule, Subject([ago(90), ago(70)]), AS_OF)
    assert not matches(rule, Subject([ago(90), ago(30)]), AS_OF)  # contacted lately
    assert not matches(rule, Subject([ago(90)]), AS_OF)  # one contact only
    # a contact at the cut itself is not history yet
    assert matches(rule, Subject([ago(90), ago(80), Contact(at=AS_OF)]), AS_OF)


def test_counts_label_segment_and_all_conditions_together():
    history = [ago(1, complaint=True), ago(5), ago(50, complaint=True)]
    subject = Subject(history, label="high", segment="vip")
    assert matches(
        check_rule([{"kind": "contacts_at_least", "count": 2, "days": 7}]), subject, AS_OF
    )
    assert not matches(
        check_rule([{"kind": "complaints_at_least", "count": 2, "days": 30}]), subject, AS_OF
    )
    both = check_rule(
        [{"kind": "risk_label", "label": "high"}, {"kind": "segment", "segment": "vip"}]
    )
    assert matches(both, subject, AS_OF)
    assert not matches(both, Subject(history, label="high", segment="new"), AS_OF)


def test_the_forms_condition_kinds_are_the_rule_languages():
    from kefu.customers.choices import ConditionKind
    from kefu.customers.core.tags import KINDS

    assert set(ConditionKind.values) == set(KINDS)
