"""The fairness cores without a database: bias checks (planted gaps recovered), rater
flags, promotion criteria and conversion, score distributions."""

from __future__ import annotations

import random
import statistics
from datetime import date

import pytest

from kefu.performance.core import bias, distribution, promotion, raters
from kefu.performance.core.stats import Estimate

TEAMS = {"售后一组": 0.0, "售前一组": 2.0, "夜班组": -4.0}


def synthetic(seed: int, night_effect: float, n: int = 150) -> list[bias.AgentFactors]:
    """Agents whose score = 78 + team effect + night effect + (−3 under 6 months) + noise.
    Night agents are concentrated in the weaker team (夜班组), so the raw night gap mixes
    the team's effect with the night effect; only the adjusted gap separates them."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        team = rng.choice(list(TEAMS))
        night = rng.random() < (0.7 if team == "夜班组" else 0.15)
        nights = rng.randint(60, 90) if night else rng.randint(0, 25)
        main = rng.choice(["chat", "chat", "phone", "email"])
        channels = {"chat": 100} if main == "chat" else {main: 60, "chat": 40}
        tenure = rng.uniform(1, 60)
        score = (
            78
            + TEAMS[team]
            + (night_effect if night else 0.0)
            + (-3.0 if tenure < 6 else 0.0)
            + rng.gauss(0, 4)
        )
        rows.append(bias.AgentFactors(i, score, team, 100, nights, channels, tenure))
    return rows


def the_gap(report: bias.Report, factor: str, level: str) -> bias.Gap:
    (gap,) = [g for g in report.gaps if (g.factor, g.level) == (factor, level)]
    return gap


# --- bias checks -----------------------------------------------------------------------------
def test_it_recovers_a_planted_night_gap_within_its_interval():
    report = bias.check(synthetic(seed=1, night_effect=-5.0))
    night = the_gap(report, "shift", bias.NIGHT)
    assert night.reference == bias.DAY
    assert night.adjusted is not None and night.adjusted.low <= -5.0 <= night.adjusted.high
    assert night.adjusted.high < 0 and night.adjusted.p_value < 0.001
    assert night.verdict == bias.REMAINS
    # the raw gap mixes in the weaker night team: larger than the planted one
    assert night.raw is not None and night.raw.estimate < night.adjusted.estimate - 1


def test_it_finds_no_night_gap_where_none_was_planted():
    report = bias.check(synthetic(seed=1, night_effect=0.0))
    night = the_gap(report, "shift", bias.NIGHT)
    assert night.adjusted is not None and night.adjusted.low <= 0.0 <= night.adjusted.high
    assert not night.adjusted.significant
    # the raw gap is the team's effect seen through the night agents: explained away
    assert night.raw is not None and night.raw.significant
    assert night.verdict == bias.EXPLAINED
    # channels carry no effect in the data: none found, raw or adjusted
    for gap in report.of("channel"):
        assert gap.verdict == bias.NONE


def test_it_recovers_the_planted_team_and_tenure_gaps():
    report = bias.check(synthetic(seed=3, night_effect=-5.0))
    assert report.references["team"] in TEAMS
    reference = TEAMS[report.references["team"]]
    for gap in report.of("team"):
        planted = TEAMS[gap.level] - reference
        assert gap.adjusted is not None and gap.adjusted.low <= planted <= gap.adjusted.high
    short = the_gap(report, "tenure", "<6")
    assert short.adjusted is not None and short.adjusted.low <= -3.0 <= short.adjusted.high


def test_its_raw_gap_is_the_difference_of_the_group_means():
    rows = synthetic(seed=5, night_effect=-5.0, n=60)
    report = bias.check(rows)
    scores = {bias.DAY: [], bias.NIGHT: []}
    for row in rows:
        scores[row.groups()["shift"]].append(row.score)
    night = the_gap(report, "shift", bias.NIGHT)
    expected = statistics.fmean(scores[bias.NIGHT]) - statistics.fmean(scores[bias.DAY])
    assert night.raw is not None and night.raw.estimate == pytest.approx(expected)
    assert night.mean == pytest.approx(statistics.fmean(scores[bias.NIGHT]))
    assert report.reference_means["shift"] == pytest.approx(statistics.fmean(scores[bias.DAY]))


def test_it_leaves_out_agents_missing_a_factor_and_groups_too_small():
    rows = synthetic(seed=7, night_effect=0.0, n=40)
    rows.append(bias.AgentFactors("no-conversations", 70.0, "售后一组", 0, 0, {}, 12.0))
    rows.append(bias.AgentFactors("no-hire-date", 70.0, "售后一组", 10, 0, {"chat": 10}, None))
    rows.append(bias.AgentFactors("no-score", None, "售后一组", 10, 0, {"chat": 10}, 12.0))
    rows += [
        bias.AgentFactors(f"tiny{i}", 60.0, "小组", 10, 0, {"chat": 10}, 30.0) for i in range(2)
    ]
    report = bias.check(rows)
    assert report.n == 40
    assert report.left_out == 4  # the score-less agent is not counted at all
    tiny = the_gap(report, "team", "小组")
    assert (tiny.n, tiny.mean, tiny.verdict) == (2, 60.0, bias.TOO_FEW)


def test_a_factor_with_one_group_stays_out_of_the_model():
    rows = [row for row in synthetic(seed=9, night_effect=0.0, n=60)]
    day_only = [
        bias.AgentFactors(r.key, r.score, r.team, 100, 0, r.channels, r.tenure_months) for r in rows
    ]
    report = bias.check(day_only)
    assert report.of("shift") == []
    assert "shift" not in report.formula and "C(team)" in report.formula
    assert report.references["shift"] == bias.DAY and report.fitted


def test_it_reports_nothing_fitted_without_rows():
    report = bias.check([])
    assert (report.n, report.fitted, report.gaps) == (0, False, [])


@pytest.mark.parametrize(
    ("hour", "night"), [(21, False), (22, True), (23, True), (0, True), (5, True), (6, False)]
)
def test_the_night_window_is_22_to_6(hour, night):
    assert bias.is_night_hour(hour) is night


def test_a_night_agent_has_more_than_half_of_their_conversations_at_night():
    half = bias.AgentFactors(1, 80.0, "t", 10, 5, {"chat": 10}, 3.0)
    more = bias.AgentFactors(1, 80.0, "t", 10, 6, {"chat": 10}, 3.0)
    assert half.groups()["shift"] == bias.DAY
    assert more.groups()["shift"] == bias.NIGHT


def test_tenure_and_main_channel():
    assert bias.tenure_months(date(2023, 1, 15), date(2023, 7, 15)) == 6
    assert bias.tenure_band(5.9) == "<6"
    assert bias.tenure_band(6) == "6-24"
    assert bias.tenure_band(24) == "24+"
    assert bias.main_channel({"chat": 3, "phone": 5, "email": 5}) == "email"
    assert bias.main_channel({"chat": 0}) is None


# --- rater flags -----------------------------------------------------------------------------
def test_levels_map_onto_the_review_scale():
    assert [raters.level_points(level) for level in range(1, 6)] == [0, 25, 50, 75, 100]
    with pytest.raises(ValueError):
        raters.level_points(6)


def test_the_evidence_is_the_source_points_else_the_qa_score():
    details = [
        {"source": "qa.score", "value": 88.0, "points": 80.0},
        {"source": "kpi.fcr_rate", "value": 0.7, "points": None},
    ]
    assert raters.evidence_points(details, "qa.score") == 80.0
    assert raters.evidence_points(details, "kpi.fcr_rate") == 88.0  # no points: QA score
    assert raters.evidence_points([{"source": "qa.score", "value": 104}], "x") == 100.0
    assert raters.evidence_points([{"source": "kpi.aht_s", "points": 50}], "x") is None


def test_a_rater_is_flagged_when_the_interval_excludes_zero_and_the_gap_is_large():
    gaps = [("lenient", g) for g in (30, 25, 35, 28)]  # mean 29.5, tight
    gaps += [("noisy", g) for g in (40, -30, 45, -20)]  # mean 8.75, interval spans 0
    gaps += [("slight", g) for g in (10, 9, 11, 10)]  # systematic but under 15
    gaps += [("harsh", g) for g in (-20, -25, -22)]
    gaps += [("once", 60.0)]
    rows = {row.rater: row for row in raters.rater_gaps(gaps, threshold=15)}
    assert rows["lenient"].flagged and rows["lenient"].direction == raters.LENIENT
    assert rows["harsh"].flagged and rows["harsh"].direction == raters.HARSH
    assert not rows["noisy"].flagged and rows["noisy"].gap.low < 0 < rows["noisy"].gap.high
    assert not rows["slight"].flagged and rows["slight"].gap.low > 0
    assert not rows["once"].flagged and rows["once"].gap.low is None
    ordered = [row.rater for row in raters.rater_gaps(gaps, threshold=15)]
    assert ordered[:2] == ["lenient", "harsh"]


def test_is_flagged_reads_the_interval():
    assert raters.is_flagged(Estimate(-20.0, 5, -30.0, -10.0), 15)
    assert not raters.is_flagged(Estimate(-20.0, 5, -40.0, 1.0), 15)


# --- promotion -------------------------------------------------------------------------------
RULES = promotion.Rules(min_score=85, cycles=2, min_feedback=4.0, no_fatal_months=6)


def test_conversion_is_promoted_over_the_entries_that_left_the_reserve():
    assert promotion.conversion(12, 7) == pytest.approx(0.6316, abs=1e-4)
    assert round(100 * promotion.conversion(12, 7), 1) == 63.2  # the seeds
    assert promotion.conversion(0, 0) is None


@pytest.mark.parametrize(
    ("scores", "met"),
    [
        ([90, 86], True),
        ([90, 84.9], False),
        ([90], False),
        ([90, None], False),
        ([86, 88, 40], True),
    ],
)
def test_the_score_must_hold_for_the_latest_consecutive_cycles(scores, met):
    assert promotion.sustained(scores, 85, 2) is met


def test_each_criterion_is_judged_and_all_must_be_met():
    good = promotion.Evidence(True, [90, 88], 4.2, 5, 0)
    assert promotion.eligible(promotion.evaluate(good, RULES))
    checks = promotion.evaluate(promotion.Evidence(False, [90, 88], None, 2, 1), RULES)
    assert {c.code: c.met for c in checks} == {
        "certificate": False, "score": True, "feedback": False, "no_fatal": False,
    }  # fmt: skip
    lenient = promotion.Rules(85, 2, 4.0, 6, requires_certificate=False)
    checks = promotion.evaluate(promotion.Evidence(False, [90, 88], 4.0, 3, 0), lenient)
    assert checks[0].met is None and promotion.eligible(checks)


# --- distributions ---------------------------------------------------------------------------
def test_the_box_uses_inclusive_quartiles():
    b = distribution.box([4, 1, 3, 2])
    assert b is not None and b.as_list() == [1, 1.75, 2.5, 3.25, 4] and b.mean == 2.5
    assert distribution.box([70.0]).as_list() == [70.0] * 5
    assert distribution.box([]) is None


def test_the_histogram_covers_0_to_100():
    bins = distribution.histogram([0, 4.99, 5, 99, 100], width=5)
    assert len(bins) == 20 and bins[0] == (0, 2) and bins[1] == (5, 1) and bins[-1] == (95, 2)


def test_months_before_clamps_to_the_month_end():
    assert promotion.months_before(date(2024, 8, 31), 6) == date(2024, 2, 29)
    assert promotion.months_before(date(2024, 3, 15), 3) == date(2023, 12, 15)
