"""The SLA report's per-conversation judgement (kefu.sla.core.report): met, breached, no
reply, paused; the same breach as the KPI `frt_over_target` (hypothesis)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kefu.metrics.core.kpis import Row, contribution
from kefu.sla.core.business_time import Calendar, business_seconds
from kefu.sla.core.policies import BUSINESS, CALENDAR, Policy
from kefu.sla.core.report import (
    BREACHED,
    MET,
    NO_REPLY,
    NOT_JUDGED,
    OPEN,
    RESOLVED_IN_TIME,
    RESOLVED_LATE,
    Tally,
    Wait,
    judge,
    judge_resolution,
    judged_seconds,
    tally,
)

TZ = ZoneInfo("Asia/Shanghai")
NINE_TO_SIX = ((9 * 60, 18 * 60),)
OFFICE = Calendar(weekly={d: NINE_TO_SIX if d < 5 else () for d in range(7)})
CHAT = Policy(1, 1, "chat", "chat", first_response_s=30.0)
MAIL_BUSINESS = Policy(
    2, 1, "mail", "email", first_response_s=7200.0, measure=BUSINESS, calendar=OFFICE
)
MONDAY_9 = datetime(2024, 5, 20, 9, tzinfo=TZ)


def wait(start: datetime, seconds: float | None, policy: Policy | None) -> Wait:
    reply = None if seconds is None else start + timedelta(seconds=seconds)
    return Wait(True, seconds, start, reply, policy)


def test_met_at_the_target_breached_over_it():
    assert judge(wait(MONDAY_9, 30, CHAT)).outcome == MET  # strictly over breaches
    assert judge(wait(MONDAY_9, 31, CHAT)).outcome == BREACHED


def test_without_a_policy_the_30_s_fallback_judges():
    j = judge(wait(MONDAY_9, 31, None))
    assert (j.outcome, j.target_s, j.measure) == (BREACHED, 30.0, CALENDAR)


def test_no_reply_and_no_customer_message():
    assert judge(wait(MONDAY_9, None, CHAT)).outcome == NO_REPLY
    assert judge(Wait(False, None, None, None, CHAT)).outcome == NOT_JUDGED


def test_a_wait_over_the_weekend_is_paused_and_met_in_business_time():
    # Friday 17:30 → Monday 10:00: 64.5 calendar hours, 1.5 business hours
    friday = datetime(2024, 5, 17, 17, 30, tzinfo=TZ)
    seconds = (datetime(2024, 5, 20, 10, tzinfo=TZ) - friday).total_seconds()
    j = judge(wait(friday, seconds, MAIL_BUSINESS))
    assert j.outcome == MET
    assert j.judged_s == pytest.approx(1.5 * 3600)
    assert j.paused and j.paused_s == pytest.approx(63 * 3600)
    assert j.measure == BUSINESS


def test_a_wait_inside_business_hours_is_not_paused():
    j = judge(wait(MONDAY_9, 2.5 * 3600, MAIL_BUSINESS))
    assert (j.outcome, j.paused, j.paused_s) == (BREACHED, False, 0.0)


def test_calendar_time_policies_never_pause():
    # the same weekend wait judged in calendar time with the office calendar attached
    policy = Policy(3, 1, "mail", "email", first_response_s=7200.0, calendar=OFFICE)
    friday = datetime(2024, 5, 17, 17, 30, tzinfo=TZ)
    j = judge(wait(friday, 64.5 * 3600, policy))
    assert (j.outcome, j.paused, j.measure) == (BREACHED, False, CALENDAR)


def test_tally_counts_and_rates():
    t = tally(
        judge(w)
        for w in (
            wait(MONDAY_9, 10, CHAT),
            wait(MONDAY_9, 40, CHAT),
            wait(MONDAY_9, 50, CHAT),
            wait(MONDAY_9, None, CHAT),
            Wait(False, None, None, None, CHAT),
        )
    )
    assert (t.conversations, t.met, t.breached, t.no_reply, t.paused) == (5, 1, 2, 1, 0)
    rates = t.rates()
    assert rates["breach_rate"] == pytest.approx(2 / 3)
    assert rates["met_rate"] == pytest.approx(1 / 3)
    assert rates["no_reply_rate"] == pytest.approx(1 / 4)
    assert dict(t.targets) == {(30.0, CALENDAR): 4}
    assert Tally().rates() == dict.fromkeys(rates)


# --- the resolution target ----------------------------------------------------------------
CHAT_RESOLVED_IN_4H = Policy(4, 1, "chat", "chat", first_response_s=30.0, resolution_s=4 * 3600)
MAIL_RESOLVED_IN_8_BUSINESS_H = Policy(
    5, 1, "mail", "email", resolution_s=8 * 3600, measure=BUSINESS, calendar=OFFICE
)


def test_resolution_in_time_late_open_and_not_judged():
    assert judge_resolution(CHAT_RESOLVED_IN_4H, 4 * 3600, None) == RESOLVED_IN_TIME
    assert judge_resolution(CHAT_RESOLVED_IN_4H, 4 * 3600 + 1, None) == RESOLVED_LATE
    assert judge_resolution(CHAT_RESOLVED_IN_4H, None, None) == OPEN
    # a policy without a resolution target, or no policy, judges nothing
    assert judge_resolution(CHAT, 10**6, None) is None
    assert judge_resolution(None, 10**6, None) is None


def test_a_resolution_over_the_weekend_is_judged_in_business_hours():
    # Friday 17:00 → Monday 16:00: 71 calendar hours, 8 business hours (1 + 7)
    friday = datetime(2024, 5, 17, 17, tzinfo=TZ)
    monday = datetime(2024, 5, 20, 16, tzinfo=TZ)
    business = business_seconds(OFFICE, friday, monday)
    assert business == 8 * 3600
    calendar = (monday - friday).total_seconds()
    assert judge_resolution(MAIL_RESOLVED_IN_8_BUSINESS_H, calendar, business) == RESOLVED_IN_TIME
    assert (
        judge_resolution(MAIL_RESOLVED_IN_8_BUSINESS_H, calendar + 60, business + 60)
        == RESOLVED_LATE
    )
    # the same span in calendar time is far over
    in_calendar = Policy(6, 1, "mail", "email", resolution_s=8 * 3600, calendar=OFFICE)
    assert judge_resolution(in_calendar, calendar, business) == RESOLVED_LATE


def test_tally_counts_resolutions_with_their_rate():
    def resolved(seconds):
        return Wait(True, 10, MONDAY_9, MONDAY_9, CHAT_RESOLVED_IN_4H, resolution_s=seconds)

    t = tally(
        judge(w)
        for w in (
            resolved(3600),
            resolved(5 * 3600),
            resolved(6 * 3600),
            resolved(None),
            wait(MONDAY_9, 10, CHAT),  # no resolution target: not judged
        )
    )
    assert (t.resolved_in_time, t.resolved_late, t.open) == (1, 2, 1)
    assert t.rates()["resolution_breach_rate"] == pytest.approx(2 / 3)
    assert (t.merge(t).resolved_late, t.merge(t).open) == (4, 2)


# --- hypothesis: the report's breach is the KPI's frt_over_target --------------------------
instants = st.integers(0, 30 * 24 * 60).map(lambda m: MONDAY_9 + timedelta(minutes=m))
policies = st.sampled_from([None, CHAT, MAIL_BUSINESS]) | st.builds(
    Policy,
    id=st.just(9),
    version=st.just(1),
    name=st.just("p"),
    channel=st.just("chat"),
    first_response_s=st.none() | st.floats(0, 200_000),
    measure=st.sampled_from([CALENDAR, BUSINESS]),
    calendar=st.none() | st.just(OFFICE),
)


@settings(max_examples=200, deadline=None)
@given(
    start=instants,
    frt=st.none() | st.floats(0, 5 * 24 * 3600),
    customer=st.booleans(),
    policy=policies,
)
def test_breach_is_frt_over_target_and_paused_is_calendar_minus_business(
    start, frt, customer, policy
):
    if frt is not None:
        customer = True  # a reply answers a customer message
    reply = None if frt is None else start + timedelta(seconds=frt)
    w = Wait(customer, frt, start if customer else None, reply, policy)
    j = judge(w)
    row = Row(
        customer="c",
        created_at=start,
        has_customer_message=customer,
        first_response_s=frt,
        first_response_target_s=policy.first_response_s if policy else None,
        first_response_judged_s=judged_seconds(policy, frt, w.first_customer_at, reply),
    )
    stats = contribution(row)
    # the same breach as the KPI, and met + breached are the KPI's answered FRTs
    assert (j.outcome == BREACHED) == bool(stats["frt_over_target"])
    assert (j.outcome in (MET, BREACHED)) == bool(stats["frt_n"])
    assert (j.outcome == NO_REPLY) == bool(stats["with_customer"] and not stats["responded"])
    # paused: only business-time policies, exactly the time outside business hours
    if j.paused:
        assert policy is not None and policy.measure == BUSINESS and policy.calendar
        business = business_seconds(policy.calendar, start, reply)
        assert j.paused_s == pytest.approx(frt - business, abs=1e-5)
        assert j.judged_s == pytest.approx(business)
    elif (
        reply is not None and policy is not None and policy.measure == BUSINESS and policy.calendar
    ):
        assert business_seconds(policy.calendar, start, reply) == pytest.approx(frt, abs=1e-5)
