"""The risk score's pure core: factors, reasons as data, caps, windows, thresholds."""

from __future__ import annotations

import zoneinfo
from datetime import datetime, timedelta

import pytest

from kefu.customers.core import risk
from kefu.customers.core.risk import Contact, Weights

TZ = zoneinfo.ZoneInfo("Asia/Shanghai")
AS_OF = datetime(2024, 10, 1, tzinfo=TZ)
QUIET = Weights(recent_points=0)  # most tests leave the recency factor out


def days_ago(n: float, **kw) -> Contact:
    return Contact(at=AS_OF - timedelta(days=n), **kw)


def reasons(score: risk.Score) -> dict[str, risk.Reason]:
    return {r.code: r for r in score.reasons}


def test_it_gives_points_per_complaint_in_the_window_with_its_reason_as_data():
    # given two complaints in the last 90 days and one before
    history = [days_ago(10, complaint=True), days_ago(80, complaint=True)]
    history.append(days_ago(120, complaint=True))
    # when
    scored = risk.score(history, AS_OF, QUIET)
    # then
    reason = reasons(scored)["complaints"]
    assert reason.points == 30
    assert reason.values == {"count": 2}
    assert reason.settings == {"days": 90}
    assert reason.as_dict()["code"] == "complaints"


def test_it_caps_the_counted_complaints():
    history = [days_ago(d, complaint=True) for d in (1, 2, 3, 4, 5)]
    scored = risk.score(history, AS_OF, QUIET)
    assert reasons(scored)["complaints"].points == 15 * 3
    assert reasons(scored)["complaints"].values == {"count": 5}  # the real count is kept


def test_it_reads_nothing_at_or_after_as_of():
    history = [
        Contact(at=AS_OF, complaint=True),
        Contact(at=AS_OF + timedelta(days=3), complaint=True, negative=True, csat=1),
        days_ago(5, escalated_at=AS_OF + timedelta(hours=1)),  # escalated after the cut
        days_ago(60, csat=1, survey_at=AS_OF + timedelta(hours=2)),  # answered after it
    ]
    scored = risk.score(history, AS_OF, QUIET)
    assert set(reasons(scored)) == set()
    assert scored.points == 0 and scored.label == risk.LOW
    assert scored.features is not None and scored.features.contacts == 2


def test_escalations_repeats_and_low_ratings_count_in_their_windows():
    history = [
        days_ago(100, escalated_at=AS_OF - timedelta(days=100)),
        days_ago(20, escalated_at=AS_OF - timedelta(days=20)),
        days_ago(19),  # a repeat contact: within 7 days of the previous one
        days_ago(2, csat=2),  # low CSAT
        days_ago(1, nps=6),  # detractor NPS (and a repeat contact)
        days_ago(300, nps=7),  # a passive: not low
    ]
    got = reasons(risk.score(history, AS_OF, QUIET))
    assert got["escalations"].values == {"count": 2} and got["escalations"].points == 20
    assert got["repeat_contacts"].values == {"count": 2} and got["repeat_contacts"].points == 10
    assert got["low_satisfaction"].values == {"count": 2}
    assert got["low_satisfaction"].points == 20


def test_negative_emotion_gives_points_by_its_share():
    history = [days_ago(d, negative=d < 50) for d in (10, 40, 60, 150, 200)]
    got = reasons(risk.score(history, AS_OF, QUIET))["negative_emotion"]
    assert got.values == {"share": 0.5, "count": 2, "of": 4}
    assert got.points == 10  # 20 × 50 %


def test_spend_counts_from_its_threshold_and_recency_within_its_days():
    weights = Weights(spend_threshold=1000, spend_points=7, recent_days=14, recent_points=10)
    below = [days_ago(3, spend=999.0)]
    at = [days_ago(20, spend=600.0), days_ago(40, spend=400.0)]
    assert "spend" not in reasons(risk.score(below, AS_OF, weights))
    got = reasons(risk.score(at, AS_OF, weights))
    assert got["spend"].points == 7 and got["spend"].values == {"amount": 1000.0}
    assert "recent_contact" not in got  # last contact 20 days ago
    recent = reasons(risk.score(below, AS_OF, weights))["recent_contact"]
    assert recent.points == 10 and recent.values == {"days": 3}


@pytest.mark.parametrize(
    ("points", "label"), [(29, risk.NORMAL), (30, risk.HIGH), (10, risk.NORMAL), (9, risk.LOW)]
)
def test_labels_follow_the_thresholds(points, label):
    assert risk.label_of(points, Weights(high_at=30, low_below=10)) == label


def test_the_score_is_the_sum_of_the_reasons_points_and_weights_change_it():
    history = [days_ago(5, complaint=True, negative=True), days_ago(30, csat=1)]
    default = risk.score(history, AS_OF)
    assert default.points == sum(r.points for r in default.reasons)
    # 15 (complaint) + 20 (negative 1 of 2 → 10) … with the defaults
    heavier = risk.score(history, AS_OF, Weights(complaint_points=40, high_at=45))
    assert heavier.points == default.points + 25
    assert heavier.label == risk.HIGH


def test_weights_round_trip_and_take_fitted_points():
    weights = Weights.from_dict({"complaint_points": "12", "unknown": 3, "high_at": 25})
    assert weights.complaint_points == 12 and weights.high_at == 25
    fitted = weights.with_points({"complaints": 31, "spend": -4}, high_at=40, low_below=6)
    assert fitted.points_per_unit()["complaints"] == 31
    assert fitted.points_per_unit()["spend"] == -4
    assert (fitted.high_at, fitted.low_below, fitted.complaint_days) == (40, 6, 90)


def test_the_profile_finds_the_preferred_channel_hour_and_last_complaint():
    history = [
        Contact(at=datetime(2024, 9, 1, 20, 5, tzinfo=TZ), channel="phone"),
        Contact(
            at=datetime(2024, 9, 3, 20, 30, tzinfo=TZ),
            channel="chat",
            complaint=True,
            category=("售后", "退款"),
            conversation="C-1",
        ),
        Contact(at=datetime(2024, 9, 9, 9, 0, tzinfo=TZ), channel="chat"),
        Contact(at=datetime(2024, 10, 9, 9, 0, tzinfo=TZ), channel="app", complaint=True),
    ]
    profile = risk.profile(history, AS_OF)
    assert profile.contacts == 3
    assert profile.preferred_channel == "chat"
    assert profile.preferred_hour == 20
    assert profile.last_complaint_conversation == "C-1"
    assert profile.last_complaint_category == ("售后", "退款")
    assert risk.profile([], AS_OF).preferred_channel == ""


def test_the_outcome_is_a_complaint_or_an_escalation_in_the_window():
    end = AS_OF + timedelta(days=30)
    assert risk.complained_or_escalated([Contact(at=AS_OF, complaint=True)], AS_OF, end)
    escalated = days_ago(2, escalated_at=AS_OF + timedelta(days=1))
    assert risk.complained_or_escalated([escalated], AS_OF, end)
    assert not risk.complained_or_escalated([days_ago(1, complaint=True)], AS_OF, end)
    assert not risk.complained_or_escalated([Contact(at=end, complaint=True)], AS_OF, end)
