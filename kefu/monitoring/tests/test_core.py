"""The live core: alerts raised message by message, risk, outcomes of interventions."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from kefu.monitoring.core import live
from kefu.monitoring.core.outcomes import Outcome, Touch, tally
from kefu.qa.core.defaults import default_engine
from kefu.qa.tests.conversations import CLEAN, T0, conversation, replace
from kefu.sla.core.business_time import Calendar
from kefu.sla.core.policies import BUSINESS, Policy

RULES = live.DEFAULT_LIVE_RULES
SAME_QUESTION = [
    ("c", "我的退款什么时候到账", 0),
    ("a", "您好，请问您是想查哪个订单？", 5),
    ("c", "我的退款什么时候能到账", 10),
    ("a", "请稍等，我帮您查一下", 15),
    ("c", "请问我的退款什么时候到账？", 20),
]


def alerts_for(messages, new_ids):
    return live.new_alerts(default_engine(), conversation(messages, survey=None), new_ids, RULES)


def test_a_threat_raises_an_alert_on_the_message_that_says_it():
    messages = replace(CLEAN, 2, "再不处理我就投诉")[:3]
    alerts = {a.rule: a for a in alerts_for(messages, ["m3"])}
    assert alerts["threat_to_complain"].message_id == "m3"
    assert "投诉" in alerts["threat_to_complain"].evidence
    assert alerts["threat_to_complain"].type == "customer_risk"
    assert set(alerts) <= {"threat_to_complain", "negative_emotion"}


def test_the_same_question_alerts_when_it_is_asked_the_third_time():
    assert alerts_for(SAME_QUESTION[:4], ["m4"]) == []
    third = alerts_for(SAME_QUESTION, ["m5"])
    assert ("customer_same_question", "m5") in [(a.rule, a.message_id) for a in third]


def test_messages_arriving_together_are_evaluated_one_by_one():
    # given the whole conversation arrives at once (an API batch), each message still
    # raises its own alerts, on itself
    batch = alerts_for(SAME_QUESTION, ["m1", "m2", "m3", "m4", "m5"])
    one_by_one = [a for n in range(1, 6) for a in alerts_for(SAME_QUESTION[:n], [f"m{n}"])]
    assert batch == one_by_one


def test_a_rule_that_keeps_hitting_alerts_again_only_when_it_hits_more():
    slow = [("c", "在吗", 0), ("a", "您好，请问您是想咨询什么？我帮您确认一下", 5),
            ("c", "订单什么时候发货", 10), ("a", "请稍等", 100),
            ("c", "还有吗", 110), ("a", "好的", 115)]  # fmt: skip
    assert [a.rule for a in alerts_for(slow[:4], ["m4"])] == ["slow_response_60s"]
    # a prompt reply does not repeat the alert; a second slow one does
    assert alerts_for(slow, ["m6"]) == []
    again = [*slow, ("c", "人呢", 120), ("a", "在的", 220)]
    assert [(a.rule, a.occurrences) for a in alerts_for(again, ["m8"])] == [
        ("slow_response_60s", 2)
    ]


def test_only_live_rules_alert():
    messages = replace(CLEAN, 1, "请问您是想查询哪个订单的退款呢？")[:2]  # no greeting
    assert all(a.rule in RULES for a in alerts_for(messages, ["m2"]))
    assert live.new_alerts(default_engine(), conversation(messages), ["m2"], []) == []


def test_waiting_counts_from_the_first_unanswered_customer_message():
    record = conversation([("c", "在吗", 0), ("a", "在的", 5), ("c", "退款呢", 10),
                           ("c", "快点", 20)])  # fmt: skip
    assert live.waiting_seconds(record, T0 + timedelta(seconds=70)) == 60
    answered = conversation([("c", "在吗", 0), ("a", "在的", 5)])
    assert live.waiting_seconds(answered, T0 + timedelta(seconds=70)) == 0


def test_waiting_and_alerts_are_measured_by_time_not_by_listing():
    # given the agent's reply listed before the question it answers (records the parser
    # did not put in order: stored before Kefu sorted messages)
    record = conversation([("c", "在吗", 0), ("a", "在的", 5), ("c", "退款呢", 10)])
    listed = dataclasses.replace(record, messages=[record.messages[i] for i in (1, 0, 2)])
    # then the customer waits since their last question, not since the first one
    assert live.waiting_since(listed) == live.waiting_since(record) == T0 + timedelta(seconds=10)
    slow = conversation([("c", "订单什么时候发货", 0), ("a", "您好，请问您是想查哪个订单？", 5),
                         ("c", "还有吗", 10), ("a", "请稍等", 100)])  # fmt: skip
    listed = dataclasses.replace(slow, messages=slow.messages[::-1])
    engine = default_engine()
    assert live.new_alerts(engine, listed, ["m4"], RULES) == live.new_alerts(
        engine, slow, ["m4"], RULES
    )


@given(
    rules=st.dictionaries(st.text(min_size=1, max_size=5), st.sampled_from(["minor", "normal", "severe"]), max_size=6),
    waiting=st.floats(min_value=0, max_value=10_000),
    extra=st.sampled_from(["minor", "normal", "severe"]),
)  # fmt: skip
def test_risk_is_bounded_and_grows_with_alerts_and_waiting(rules, waiting, extra):
    base = live.risk_score(rules, waiting)
    assert 0 <= base <= 100
    assert live.risk_score({**rules, "another-rule": extra}, waiting) >= base
    assert live.risk_score(rules, waiting + 30) >= base


def test_risk_of_a_calm_conversation_is_zero_and_a_severe_alert_is_high():
    assert live.risk_score({}, 0) == 0
    assert live.risk_score({"rude_language": "severe"}, 0) == 50
    assert live.risk_score({"a": "severe", "b": "normal"}, 180) == 78  # 1 − .5·.75·.6


def test_outcomes_count_each_conversation_once_per_group_from_its_first_intervention():
    t = T0
    touches = [
        Touch(1, t, "sam", "anger", "suggestion"),
        Touch(1, t + timedelta(minutes=5), "sam", "anger", "takeover"),
        Touch(2, t, "sam", "threat_to_complain", "suggestion"),
        Touch(3, t, "lea", "anger", "suggestion"),
    ]
    outcomes = {
        1: Outcome(escalations=(t - timedelta(minutes=1),), resolved=True, csat=5),  # before
        2: Outcome(complaint=True),
        3: Outcome(escalations=(t + timedelta(minutes=2),), csat=2),  # after: escalated
    }
    by_supervisor = tally(touches, outcomes, lambda x: x.supervisor)
    sam = by_supervisor["sam"]
    assert (sam.interventions, sam.conversations, sam.escalated, sam.avoided) == (3, 2, 1, 1)
    assert sam.avoided_rate == 0.5 and sam.csat_mean == 5 and sam.resolved_rate == 0.5
    assert by_supervisor["lea"].avoided == 0
    by_rule = tally(touches, outcomes, lambda x: x.rule)
    assert by_rule["anger"].conversations == 2 and by_rule["anger"].avoided == 1


# --- the wait against its service-level deadline ------------------------------------------
def chat_policy(**targets):
    return Policy(id=1, version=1, name="chat", channel="chat", **targets)


def test_a_first_response_falls_due_from_the_first_customer_message():
    # given a chat with a 30 s first-response target and only a bot answering so far
    record = conversation([("c", "在吗", 0), ("b", "您好，请稍等", 2), ("c", "退款呢", 10)])
    due = live.response_due(record, chat_policy(first_response_s=30, next_response_s=60))
    # then the bot does not count: the first response is due 30 s after the first message
    assert due is not None and due.first
    assert due.due == T0 + timedelta(seconds=30)
    assert due.warn_s == 10  # a quarter of 30 s is below the 10 s floor
    assert due.state(T0 + timedelta(seconds=19)) == live.SLA_OK
    assert due.state(T0 + timedelta(seconds=20)) == live.SLA_AT_RISK
    assert due.state(T0 + timedelta(seconds=30)) == live.SLA_BREACHED


def test_a_next_response_falls_due_from_the_customers_unanswered_message():
    record = conversation([("c", "在吗", 0), ("a", "在的", 5), ("c", "退款呢", 10)])
    due = live.response_due(record, chat_policy(first_response_s=30, next_response_s=60))
    assert due is not None and not due.first
    assert due.due == T0 + timedelta(seconds=70)
    assert due.warn_s == 15


def test_nothing_is_due_when_nobody_waits_or_no_target_applies():
    answered = conversation([("c", "在吗", 0), ("a", "在的", 5)])
    waiting = conversation([("c", "在吗", 0), ("a", "在的", 5), ("c", "退款呢", 10)])
    policy = chat_policy(first_response_s=30, next_response_s=60)
    assert live.response_due(answered, policy) is None
    assert live.response_due(waiting, None) is None
    assert live.response_due(waiting, chat_policy(first_response_s=30)) is None


def test_a_business_hours_target_waits_for_the_calendar_to_open():
    # given an e-mail policy of 4 business hours, 9:00–18:00 on weekdays, and a message on
    # Thursday 2 May 2024, inside the Labour Day holiday (1–5 May)
    nine_to_six = ((9 * 60, 18 * 60),)
    office = Calendar(
        weekly={d: (nine_to_six if d < 5 else ()) for d in range(7)},
        holidays=frozenset(date(2024, 5, d) for d in range(1, 6)),
    )
    policy = Policy(
        id=2, version=1, name="email", channel="email", first_response_s=4 * 3600,
        measure=BUSINESS, calendar=office,
    )  # fmt: skip
    record = conversation([("c", "发票开错了", 0)], channel="email")
    due = live.response_due(record, policy)
    # then it falls due on Monday 6 May at 13:00, and warns from 12:00
    assert due is not None and due.due == datetime(2024, 5, 6, 13, 0, tzinfo=T0.tzinfo)
    assert due.warn_s == 3600
    assert due.state(datetime(2024, 5, 6, 11, 59, tzinfo=T0.tzinfo)) == live.SLA_OK
    assert due.state(datetime(2024, 5, 6, 12, 0, tzinfo=T0.tzinfo)) == live.SLA_AT_RISK
