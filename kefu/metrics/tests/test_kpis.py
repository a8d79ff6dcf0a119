"""Each contract key on hand-made conversations whose answer is worked out here."""

from __future__ import annotations

import dataclasses
import zoneinfo
from datetime import datetime, timedelta

import pytest

from kefu.interactions.core.facts import conversation_facts
from kefu.interactions.core.native import parse_object
from kefu.metrics.core.kpis import KEYS, Escalation, Row, compute, percentile, repeat_contacts

TZ = zoneinfo.ZoneInfo("Asia/Shanghai")
T0 = datetime(2024, 5, 1, 10, 0, tzinfo=TZ)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_an_empty_group_has_nulls_not_zeros():
    figures = compute([])
    assert set(figures) == set(KEYS)
    assert figures["conversations"] == 0
    assert all(figures[k] is None for k in KEYS if k != "conversations")


def test_first_response_figures():
    # FRTs 10, 20, 40, 50 s; one conversation without a reply; one without a customer.
    rows = [
        Row("U1", at(0), has_customer_message=True, first_response_s=10),
        Row("U2", at(1), has_customer_message=True, first_response_s=20),
        Row("U3", at(2), has_customer_message=True, first_response_s=40),
        Row("U4", at(3), has_customer_message=True, first_response_s=50),
        Row("U5", at(4), has_customer_message=True),  # never answered
        Row("U6", at(5)),  # no customer message (outbound)
    ]
    f = compute(rows)
    assert f["frt_mean_s"] == 30
    assert f["frt_median_s"] == 30  # between 20 and 40
    assert f["frt_p90_s"] == pytest.approx(47)  # 40 + 0.7 × (50 − 40)
    assert f["frt_over_30s_rate"] == 0.5  # 40 and 50 of four
    assert f["response_rate"] == 0.8  # 4 answered of 5 with a customer message


def test_bot_only_replies_are_not_a_first_response():
    record = parse_object(
        {
            "type": "conversation", "id": "B1", "channel": "chat", "customer": {"id": "U1"},
            "created_at": "2024-05-01T10:00:00+08:00",
            "messages": [
                {"id": "m1", "role": "customer", "at": "2024-05-01T10:00:00+08:00", "text": "在吗"},
                {"id": "m2", "role": "bot", "at": "2024-05-01T10:00:01+08:00", "text": "您好"},
                {"id": "m3", "role": "system", "at": "2024-05-01T10:00:02+08:00", "text": "排队中"},
                {"id": "m4", "role": "agent", "agent": "A1", "at": "2024-05-01T10:00:45+08:00", "text": "您好"},
            ],
        },
        TZ,
    )  # fmt: skip
    facts = conversation_facts(record)
    assert facts.first_response_s == 45  # the bot at 1 s does not count


def test_handle_and_resolution_times():
    rows = [
        Row("U1", at(0), handle_time_s=100, resolved_at=at(10)),
        Row("U2", at(0), handle_time_s=300, resolved_at=at(30)),
        Row("U3", at(0)),  # no messages, unresolved
    ]
    f = compute(rows)
    assert f["aht_s"] == 200
    assert f["resolution_time_mean_s"] == 20 * 60


def test_repeat_contact_looks_across_channels_and_past_the_period_end():
    history = {
        "U1": [at(0), at(60 * 24 * 3)],  # back after 3 days (another channel: same customer)
        "U2": [at(0), at(60 * 24 * 8)],  # back after 8 days: not a repeat
        "U3": [at(60 * 24 * 30), at(60 * 24 * 36)],  # the second one is after the period
    }
    in_period = [("U1", at(0)), ("U2", at(0)), ("U3", at(60 * 24 * 30))]
    assert repeat_contacts(in_period, history) == [True, False, True]
    assert repeat_contacts([("U1", at(60 * 24 * 3))], history) == [False]  # the last one


def test_fcr_needs_resolution_without_escalation_or_repeat_contact():
    esc = (Escalation(at(5), at(35)),)
    rows = [
        Row("U1", at(0), resolved_at=at(10)),  # first-contact resolution
        Row("U2", at(0), resolved_at=at(10), repeat_contact=True),  # came back
        Row("U3", at(0), resolved_at=at(40), escalations=esc),  # escalated
        Row("U4", at(0)),  # unresolved: not in the denominator
    ]
    f = compute(rows)
    assert f["fcr_rate"] == pytest.approx(1 / 3)
    assert f["repeat_contact_rate"] == 0.25
    assert f["escalation_rate"] == 0.25
    assert f["escalation_mean_min"] == 30


def test_surveys_with_only_nps_count_for_nps_and_response_not_csat():
    rows = [
        Row("U1", at(0), csat=5, nps=10),
        Row("U2", at(0), csat=3, nps=7),
        Row("U3", at(0), nps=2),  # NPS only
        Row("U4", at(0), csat=4),
        Row("U5", at(0)),  # no survey
    ]
    f = compute(rows)
    assert f["csat_mean"] == 4  # (5 + 3 + 4) / 3
    assert f["csat_satisfied_rate"] == pytest.approx(2 / 3)
    assert f["nps"] == pytest.approx((1 - 1) / 3 * 100)  # one promoter, one detractor of 3
    assert f["survey_response_rate"] == 0.8


def test_complaints_and_conversion():
    rows = [
        Row("U1", at(0), complaint=True, resolved_at=at(60 * 71)),  # closed within 72 h
        Row("U2", at(0), complaint=True, resolved_at=at(60 * 73)),  # too late
        Row("U3", at(0), complaint=True),  # never resolved
        Row("U4", at(0), order_converted=True),
        Row("U5", at(0), order_converted=False),
    ]
    f = compute(rows)
    assert f["complaint_rate"] == 0.6
    assert f["complaint_closed_72h_rate"] == pytest.approx(1 / 3)
    assert f["conversion_rate"] == 0.5  # of the two pre-sale inquiries only


def test_percentile_matches_linear_interpolation():
    assert percentile([1, 2, 3, 4], 50) == 2.5
    assert percentile([7], 90) == 7
    assert percentile([], 50) is None


def test_a_reply_listed_before_the_question_is_the_first_response():
    # given the agent's reply (20 s after) listed before the customer's message
    record = parse_object(
        {
            "type": "conversation", "id": "R1", "channel": "chat", "customer": {"id": "U1"},
            "created_at": "2024-05-01T10:00:00+08:00",
            "messages": [
                {"id": "m2", "role": "agent", "agent": "A1", "at": "2024-05-01T10:00:20+08:00", "text": "您好"},
                {"id": "m1", "role": "customer", "at": "2024-05-01T10:00:00+08:00", "text": "在吗"},
            ],
        },
        TZ,
    )  # fmt: skip
    # then it is the first response (20 s) and the conversation counts as responded
    facts = conversation_facts(record)
    assert (facts.first_customer_at, facts.first_response_s) == (record.created_at, 20)
    # a record listed out of order that did not come through the parser: the same facts
    listed = dataclasses.replace(record, messages=record.messages[::-1])
    assert conversation_facts(listed) == facts
    row = Row("U1", record.created_at, has_customer_message=True, first_response_s=20)
    figures = compute([row])
    assert (figures["frt_mean_s"], figures["response_rate"]) == (20, 1)
