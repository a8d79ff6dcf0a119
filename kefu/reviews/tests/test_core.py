"""The pure cores, without a database: manual scores, sampling, assignment, agreement,
efficiency figures."""

from __future__ import annotations

from collections import Counter

import pytest

from kefu.reviews.core import agreement, assignment, efficiency, sampling, scoring

CARD = {
    "id": "t",
    "version": 1,
    "name": "test",
    "base": 100,
    "pass_line": 80,
    "sections": [
        {
            "id": "polite",
            "name": "Politeness",
            "items": [
                {"id": "greeting", "indicators": ["missing_greeting"], "points": 5},
                {"id": "taboo", "indicators": ["forbidden_phrase"], "points": 10,
                 "per_occurrence": True, "max_points": 20},
                {"id": "rude", "indicators": ["rude_language"], "points": 100, "fatal": True},
            ],
        },
        {"id": "bonus", "name": "Bonus", "items": [
            {"id": "praise", "indicators": ["praise"], "points": 3, "mode": "add"}]},
    ],
}  # fmt: skip


@pytest.fixture
def card():
    return scoring.load(CARD)


def test_it_scores_partial_deductions_and_additions(card):
    values = scoring.parse_values(
        card,
        {
            "greeting": {"applies": True, "points": 2, "comment": "late"},
            "taboo": {"applies": True, "points": 15},
            "praise": {"applies": True},
        },
    )
    result = scoring.manual_score(card, values)
    assert result.score == 100 - 2 - 15 + 3
    assert result.passed is True and result.fatal is False
    assert [e["item"] for e in result.items] == ["greeting", "taboo", "praise"]
    assert result.items[0] == {
        "item": "greeting", "section": "polite", "applies": True, "points": -2.0,
        "fatal": False, "comment": "late",
    }  # fmt: skip


def test_it_fails_a_fatal_item_and_clamps(card):
    result = scoring.manual_score(card, scoring.parse_values(card, {"rude": {"applies": True}}))
    assert (result.score, result.passed, result.fatal) == (0.0, False, True)
    many = scoring.parse_values(card, {"taboo": {"applies": True, "points": 20}})
    assert scoring.manual_score(card, many).score == 80
    assert scoring.manual_score(card, many).passed is True


@pytest.mark.parametrize(
    "raw",
    [
        {"nope": {"applies": True}},
        {"greeting": {"applies": True, "points": 6}},
        {"taboo": {"applies": True, "points": -1}},
        {"greeting": {"applies": True, "points": "x"}},
        {"greeting": "yes"},
    ],
)
def test_it_refuses_bad_values_naming_the_item(card, raw):
    with pytest.raises(scoring.ItemError) as err:
        scoring.parse_values(card, raw)
    assert err.value.item == next(iter(raw))


def test_it_compares_automatic_and_manual_per_item(card):
    auto = [{"item": "greeting", "points": -5.0}, {"item": "taboo", "points": -10.0}]
    manual = scoring.manual_score(
        card, scoring.parse_values(card, {"greeting": {"applies": True}, "rude": {"applies": True}})
    ).items
    rows = {r.item: r for r in scoring.compare(card, auto, manual)}
    assert rows["greeting"].agree and rows["praise"].agree
    assert (rows["taboo"].automatic, rows["taboo"].manual, rows["taboo"].agree) == (
        -10.0, None, False)  # fmt: skip
    assert rows["rude"].manual == -100.0 and not rows["rude"].agree
    assert not any(r.agree for r in scoring.compare(card, None, manual))
    assert scoring.problems(manual) == (2, 1)


def test_it_prefills_from_the_automatic_result_and_replaces_one_item(card):
    values = scoring.values_from_automatic([{"item": "taboo", "points": -20.0}])
    assert values["taboo"] == scoring.ItemValue("taboo", True, 20.0)
    changed = scoring.replace_item(values, "taboo", False, 0)
    assert scoring.manual_score(card, changed).score == 100


# --- sampling ---------------------------------------------------------------------------


def pool(n=200):
    return [
        sampling.Candidate(
            id=i, agent=i % 4, team=i % 2, channel="phone" if i % 10 == 0 else "chat",
            score=60.0 if i % 7 == 0 else 95.0, fatal=i % 50 == 0, complaint=i % 13 == 0,
            csat=1 if i % 11 == 0 else 5,
        )
        for i in range(1, n + 1)
    ]  # fmt: skip


def test_it_samples_reproducibly_and_never_twice():
    rules = sampling.Rules(method="random", quota=30)
    first = sampling.sample(pool(), rules, seed=7, period="2024-05")
    again = sampling.sample(reversed(pool()), rules, seed=7, period="2024-05")
    assert [p.id for p in first] == [p.id for p in again]
    assert len({p.id for p in first}) == 30
    other = sampling.sample(pool(), rules, seed=8, period="2024-05")
    assert {p.id for p in other} != {p.id for p in first}
    # a second run for the period only tops up, never re-draws what was sampled
    top_up = sampling.sample(
        pool(), rules, seed=7, period="2024-05",
        already=[p.id for p in first[:20]], already_by_agent={None: 20},
    )  # fmt: skip
    assert len(top_up) == 10 and not {p.id for p in top_up} & {p.id for p in first[:20]}


def test_it_samples_per_agent():
    rules = sampling.Rules(method="random", quota=5, per_agent=True)
    picks = sampling.sample(pool(), rules, seed=1, period="p", already_by_agent={0: 3})
    by_agent = Counter(c.agent for c in pool() for p in picks if p.id == c.id)
    assert by_agent == {0: 2, 1: 5, 2: 5, 3: 5}


def test_it_allocates_strata_proportionally():
    assert sampling.allocate({"a": 50, "b": 30, "c": 20}, 10) == {"a": 5, "b": 3, "c": 2}
    assert sampling.allocate({"a": 2, "b": 1}, 2) == {"a": 1, "b": 1}
    shares = sampling.allocate({"a": 1, "b": 1, "c": 1}, 2)
    assert sum(shares.values()) == 2 and max(shares.values()) == 1
    assert sampling.allocate({"a": 3}, 10) == {"a": 3}
    rules = sampling.Rules(method="stratified", quota=20, strata="channel")
    picks = sampling.sample(pool(), rules, seed=3, period="p")
    assert Counter(p.stratum for p in picks) == {"channel:chat": 18, "channel:phone": 2}


def test_it_aims_at_risk():
    rules = sampling.Rules(method="risk", quota=20)
    picks = sampling.sample(pool(), rules, seed=3, period="p")
    assert len(picks) == 20 and all(p.factors for p in picks)
    risky = [c for c in pool() if sampling.risk_factors(c, 80)]
    few = sampling.sample(pool(), sampling.Rules(method="risk", quota=500), seed=3, period="p")
    assert len(few) == len(risky)  # base weight 0: only risky conversations
    with_base = sampling.Rules(method="risk", quota=500, base_weight=0.1)
    assert len(sampling.sample(pool(), with_base, seed=3, period="p")) == 200
    # heavier weights are drawn more often
    many = Counter()
    for seed in range(200):
        for p in sampling.sample(pool(), rules, seed=seed, period="p"):
            many["fatal" if "fatal" in p.factors else "other"] += 1
    assert many["fatal"] / (many["fatal"] + many["other"]) > 4 / len(risky)


def test_it_refuses_bad_rules():
    with pytest.raises(ValueError):
        sampling.Rules(method="magic")
    with pytest.raises(ValueError):
        sampling.Rules(risk_weights={"moon": 1})


# --- assignment ---------------------------------------------------------------------------


def test_it_assigns_to_the_least_loaded_within_capacity():
    reviewers = [
        assignment.Reviewer(1, open=3),
        assignment.Reviewer(2, open=0),
        assignment.Reviewer(3, open=1, capacity=2),
    ]
    result = assignment.balance(list("abcdef"), reviewers)
    loads = Counter(result.values())
    assert loads == {2: 4, 3: 1, 1: 1}  # ends at 4, 2, 4 open
    assert result["a"] == 2
    full = assignment.balance(["x"], [assignment.Reviewer(1, open=5, capacity=5)])
    assert full == {"x": None}
    conflict = assignment.balance(["x"], reviewers[:2], conflicts={"x": {2}})
    assert conflict == {"x": 1}


# --- agreement ----------------------------------------------------------------------------


def test_it_measures_krippendorffs_alpha():
    # Krippendorff (2011), interval data without missing values: three coders
    perfect = {1: {1: 90, 2: 70, 3: 80}, 2: {1: 90, 2: 70, 3: 80}}
    assert agreement.alpha(perfect) == 1.0
    noisy = {1: {1: 90, 2: 70, 3: 80}, 2: {1: 85, 2: 75, 3: 80}, 3: {1: 95, 2: 60}}
    value = agreement.alpha(noisy)
    assert 0 < value < 1
    assert agreement.alpha({1: {1: 0, 2: 0}, 2: {1: 0, 2: 0}}) is None  # nothing varies
    assert agreement.alpha({1: {1: 90}, 2: {1: 80}}) is None  # one unit
    assert agreement.exact_share({1: {1: 0, 2: -5}, 2: {1: 0, 2: -3}}) == 0.5


def test_it_measures_items_and_deviations():
    points = {
        1: {10: {"greeting": -5.0}, 11: {"taboo": -10.0}},
        2: {10: {"greeting": -5.0}, 11: {}},
        3: {10: {"greeting": -5.0}, 11: {"taboo": -10.0}},
    }
    totals = {1: {10: 95.0, 11: 90.0}, 2: {10: 95.0, 11: 100.0}, 3: {10: 95.0, 11: 90.0}}
    result = agreement.measure(points, totals, ["greeting", "taboo", "rude"], agreed={11: 90.0})
    assert result.per_item["greeting"] == (1.0, 1.0)  # varies by conversation, all agree
    assert result.per_item["rude"] == (None, 1.0)
    assert result.per_item["taboo"][1] == 0.5  # agree on 10, not on 11
    lenient = {d.reviewer: d for d in result.deviations}[2]
    assert lenient.mean > 0 and lenient.vs_agreed == 10.0
    assert result.overall is not None and result.overall < 1


def test_it_measures_alpha_at_the_level_of_the_item():
    import krippendorff
    import numpy as np

    # Three reviewers, five conversations, a categorical answer coded 1, 2, 3.
    ratings = {1: {1: 1, 2: 2, 3: 3, 4: 3, 5: 1}, 2: {1: 1, 2: 3, 3: 3, 4: 2, 5: 1},
               3: {1: 1, 2: 2, 3: 1, 4: 3}}  # fmt: skip
    data = np.array([[ratings[r].get(u, np.nan) for u in range(1, 6)] for r in (1, 2, 3)])
    for level in ("nominal", "ordinal", "interval"):
        expected = krippendorff.alpha(reliability_data=data, level_of_measurement=level)
        assert agreement.alpha(ratings, level=level) == round(expected, 4)
    # The codes 1 and 3 are no further apart than 1 and 2 for a category: the levels differ.
    assert agreement.alpha(ratings, level="nominal") != agreement.alpha(ratings, level="interval")
    # A worked value: Krippendorff's (2011) example of nominal data with missing values.
    example = np.array([
        [1, 2, 3, 3, 2, 1, 4, 1, 2, np.nan, np.nan, np.nan],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, np.nan, 3],
        [np.nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, np.nan],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, np.nan],
    ])  # fmt: skip
    coded = {r: {u: float(v) for u, v in enumerate(row) if not np.isnan(v)}
             for r, row in enumerate(example)}  # fmt: skip
    assert agreement.alpha(coded, level="nominal") == pytest.approx(0.743, abs=5e-4)
    assert agreement.alpha(coded, level="interval") == pytest.approx(0.849, abs=5e-4)
    with pytest.raises(ValueError):
        agreement.alpha(coded, level="ratio-ish")


def test_it_chooses_the_level_from_the_item_kind():
    assert agreement.level_for("pass_fail") == "nominal"
    assert agreement.level_for("category") == "nominal"
    assert agreement.level_for("scale") == "ordinal"
    assert agreement.level_for("points") == "interval"
    card = scoring.load(
        {
            "id": "c",
            "name": "c",
            "sections": [
                {
                    "id": "s",
                    "name": "s",
                    "items": [
                        {
                            "id": "rude",
                            "name": "rude",
                            "indicators": ["x"],
                            "points": 100,
                            "fatal": True,
                        },
                        {"id": "greeting", "name": "g", "indicators": ["y"], "points": 5},
                    ],
                }
            ],
        }
    )
    kinds = {item.id: agreement.item_kind(item) for item in card.items()}
    assert kinds == {"rude": "pass_fail", "greeting": "points"}
    # A pass/fail item is measured nominal, a points item interval; pooled over both:
    # interval (nominal only when every item is).
    points = {1: {1: {"rude": 1.0, "greeting": -5.0}, 2: {"greeting": -2.0}, 3: {}},
              2: {1: {"rude": 1.0, "greeting": -3.0}, 2: {}, 3: {"greeting": -5.0}}}  # fmt: skip
    totals = {1: {1: 0.0, 2: 98.0, 3: 100.0}, 2: {1: 0.0, 2: 100.0, 3: 95.0}}
    levels = {"rude": "nominal", "greeting": "interval"}
    result = agreement.measure(points, totals, ["rude", "greeting"], levels=levels)
    assert result.levels == levels and result.pooled_level == "interval"
    greeting = {r: {u: p.get("greeting", 0.0) for u, p in c.items()} for r, c in points.items()}
    assert result.per_item["greeting"][0] == agreement.alpha(greeting, level="interval")
    only_fatal = agreement.measure(points, totals, ["rude"], levels={"rude": "nominal"})
    assert only_fatal.pooled_level == "nominal"


# --- efficiency ---------------------------------------------------------------------------


def fact(month, seconds, passed, auto, problems, **kw):
    base = dict(reviewer=1, items_agree=9, items_compared=10, key_problems=0, missed_by_auto=0,
                appeals=0, appeals_decided=0, appeals_upheld=0)  # fmt: skip
    return efficiency.Fact(month, seconds=seconds, passed=passed, auto_passed=auto,
                           problems=problems, **(base | kw))  # fmt: skip


def test_it_computes_efficiency_figures():
    facts = [
        fact("2024-01", 600, True, True, 1),
        fact("2024-01", 300, False, True, 3, appeals=1, appeals_decided=1, appeals_upheld=1),
        fact("2024-02", None, True, None, 0),
    ]
    by_month = efficiency.grouped(facts, lambda f: f.month, hourly_cost=60)
    jan = by_month["2024-01"]
    assert jan["reviews"] == 2 and jan["hours"] == 0.25 and jan["cost"] == 15
    assert jan["minutes_per_review"] == 7.5
    assert jan["pass_rate"] == 0.5 and jan["verdict_agreement"] == 0.5
    assert jan["item_agreement"] == 0.9 and jan["problems_per_100"] == 200
    assert jan["appeal_rate"] == 0.5 and jan["overturn_rate"] == 1
    feb = by_month["2024-02"]
    assert feb["minutes_per_review"] is None and feb["verdict_agreement"] is None
    assert efficiency.change(10, 7) == -0.3 and efficiency.change(0, 1) is None


def test_it_knows_periods():
    from datetime import date

    assert sampling.period_of("month", date(2024, 2, 10)) == (date(2024, 2, 1), date(2024, 2, 29))
    assert sampling.period_of("week", date(2024, 5, 8)) == (date(2024, 5, 6), date(2024, 5, 12))
    assert sampling.last_complete("month", date(2024, 1, 1)) == (
        date(2023, 12, 1), date(2023, 12, 31))  # fmt: skip
    assert sampling.last_complete("day", date(2024, 3, 1)) == (date(2024, 2, 29),) * 2


def test_a_notification_shows_a_missing_score_as_a_dash():
    from kefu.reviews.actions._common import shown_score

    assert shown_score(None) == "—"
    assert shown_score(92.5) == "92.5" and shown_score(100.0) == "100"
