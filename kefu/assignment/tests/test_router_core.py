"""The routing core without a database: rules in order, pools and overflow, presence,
skills, capacity, the last agent, least-loaded vs round-robin, the reasons."""

from __future__ import annotations

from kefu.assignment.core.router import (
    ASSIGNED,
    QUEUED,
    ROUND_ROBIN,
    Arrival,
    Candidate,
    Policy,
    Rule,
    allowed_steps,
    decide,
    next_overflow_s,
)

HIGH_RULE = Rule(id=1, name="高敏感", risk_labels=frozenset({"high"}), tiers=("senior", "lead"))
VALUE_RULE = Rule(id=2, name="高价值", tag_ids=frozenset({7}), agent_ids=(50,), tiers=("expert",))


def agent(pk: int, tier: str = "regular", **kw) -> Candidate:
    return Candidate(agent_id=pk, tier=tier, capacity=kw.pop("capacity", 3), online=True, **kw)


def codes(decision) -> list[str]:
    return [r.code for r in decision.reasons]


def test_it_sends_a_high_sensitivity_customer_to_the_senior_tier():
    # given a regular agent with no load and a senior one with some
    people = [agent(1, "regular"), agent(2, "senior", active=2)]
    # when a high-sensitivity customer arrives
    decision = decide(Arrival("chat", risk_label="high"), people, [HIGH_RULE], Policy())
    # then the senior takes it, because of the rule
    assert (decision.kind, decision.agent_id, decision.target) == (ASSIGNED, 2, "senior")
    assert decision.reasons[0].code == "rule"
    assert decision.reasons[0].params == {"rule": 1, "name": "高敏感", "risk_label": "high"}
    assert decision.rule_id == 1


def test_it_sends_a_normal_customer_to_anyone():
    people = [agent(1, "regular", active=1), agent(2, "senior", active=2)]
    decision = decide(Arrival("chat", risk_label="normal"), people, [HIGH_RULE], Policy())
    assert decision.agent_id == 1
    assert codes(decision)[0] == "no_rule"


def test_the_first_matching_rule_decides():
    # a high-sensitivity customer who also carries the high-value tag
    arrival = Arrival("chat", risk_label="high", tags=frozenset({7}))
    people = [agent(2, "senior"), agent(50, "regular")]
    assert decide(arrival, people, [VALUE_RULE, HIGH_RULE], Policy()).agent_id == 50
    assert decide(arrival, people, [HIGH_RULE, VALUE_RULE], Policy()).agent_id == 2


def test_a_tag_rule_goes_to_the_dedicated_seat_first():
    arrival = Arrival("chat", tags=frozenset({7, 9}))
    people = [agent(50, "regular", active=2), agent(60, "expert")]
    decision = decide(arrival, people, [VALUE_RULE], Policy())
    assert (decision.agent_id, decision.target, decision.step) == (50, "dedicated", 0)
    assert decision.reasons[0].params["tags"] == [7]


def test_it_queues_when_the_target_tier_is_full_and_overflows_after_the_delay():
    # given the only senior at capacity and a free lead
    people = [agent(2, "senior", active=3), agent(3, "lead"), agent(4, "regular")]
    policy = Policy(overflow_after_s=60)
    # when the high-sensitivity customer arrives: queued for the senior tier
    first = decide(Arrival("chat", risk_label="high"), people, [HIGH_RULE], policy)
    assert (first.kind, first.agent_id, first.target, first.step) == (QUEUED, None, "senior", 0)
    assert "excluded_full" in codes(first)
    assert first.reasons[-1].code == "overflow_next"
    assert first.reasons[-1].params == {"pool": "lead", "after_s": 60}
    # after 59 s still waiting; at 60 s the lead tier opens
    waiting = decide(Arrival("chat", risk_label="high", waited_s=59), people, [HIGH_RULE], policy)
    assert waiting.kind == QUEUED
    later = decide(Arrival("chat", risk_label="high", waited_s=60), people, [HIGH_RULE], policy)
    assert (later.kind, later.agent_id, later.target, later.step) == (ASSIGNED, 3, "lead", 1)
    assert later.overflowed
    assert "overflow" in codes(later)


def test_an_overflowed_arrival_still_prefers_the_first_tier():
    people = [agent(2, "senior"), agent(3, "lead")]
    decision = decide(
        Arrival("chat", risk_label="high", waited_s=500), people, [HIGH_RULE], Policy()
    )
    assert decision.agent_id == 2


def test_it_never_goes_past_the_last_pool():
    people = [agent(4, "regular")]
    decision = decide(
        Arrival("chat", risk_label="high", waited_s=10_000), people, [HIGH_RULE], Policy()
    )
    assert decision.kind == QUEUED
    assert decision.target == "lead"
    assert "overflow_next" not in codes(decision)


def test_only_online_agents_take_conversations():
    people = [Candidate(1, "regular", capacity=3, online=False), agent(2, active=2)]
    decision = decide(Arrival("chat"), people, [], Policy())
    assert decision.agent_id == 2
    assert decision.reasons[1].code == "excluded_offline"
    assert decision.reasons[1].params == {"count": 1}


def test_skills_channel_product_line_and_language():
    people = [
        agent(1, channels=frozenset({"phone"})),
        agent(2, product_lines=frozenset({"家电"}), active=1),
        agent(3, languages=frozenset({"en"}), active=1),
        agent(4, channels=frozenset({"chat"}), product_lines=frozenset({"手机"}), active=2),
    ]
    arrival = Arrival("chat", product_line="手机", language="zh")
    decision = decide(arrival, people, [], Policy())
    assert decision.agent_id == 4
    assert {"excluded_skill_channel", "excluded_skill_product_line",
            "excluded_skill_language"} <= set(codes(decision))  # fmt: skip
    # an arrival without a product line or language needs none
    assert decide(Arrival("chat"), people[1:], [], Policy()).agent_id == 2


def test_capacity_is_never_exceeded():
    people = [agent(1, capacity=2, active=2), agent(2, capacity=1, active=1)]
    decision = decide(Arrival("chat"), people, [], Policy())
    assert decision.kind == QUEUED
    assert ("excluded_full", {"count": 2}) in [(r.code, r.params) for r in decision.reasons]


def test_the_last_agent_is_preferred_when_available():
    people = [agent(1), agent(2, active=2)]
    decision = decide(Arrival("chat", last_agent_id=2), people, [], Policy())
    assert decision.agent_id == 2
    assert ("last_agent", {"agent": 2}) in [(r.code, r.params) for r in decision.reasons]
    # not preferred when the setting is off
    off = Policy(prefer_last_agent=False)
    assert decide(Arrival("chat", last_agent_id=2), people, [], off).agent_id == 1


def test_the_last_agent_is_passed_over_when_away_full_or_outside_the_target():
    arrival = Arrival("chat", risk_label="high", last_agent_id=1)
    cases = {
        "offline": [Candidate(1, "senior", capacity=3), agent(2, "senior")],
        "full": [agent(1, "senior", active=3), agent(2, "senior")],
        "not_in_target": [agent(1, "regular"), agent(2, "senior")],
    }
    for why, people in cases.items():
        decision = decide(arrival, people, [HIGH_RULE], Policy())
        assert decision.agent_id == 2, why
        unavailable = [r for r in decision.reasons if r.code == "last_agent_unavailable"]
        assert unavailable[0].params == {"agent": 1, "why": why}
    # not among the candidates at all: not online
    decision = decide(arrival, [agent(2, "senior")], [HIGH_RULE], Policy())
    assert decision.reasons[-2].params["why"] == "offline"


def test_least_loaded_takes_the_lowest_share_of_capacity():
    people = [agent(1, capacity=2, active=1), agent(2, capacity=6, active=2), agent(3, active=2)]
    decision = decide(Arrival("chat"), people, [], Policy())
    assert decision.agent_id == 2  # 2/6 < 1/2 < 2/3
    assert decision.reasons[-1].params == {"agent": 2, "active": 2, "capacity": 6, "eligible": 3}


def test_least_loaded_ties_go_to_the_longest_idle():
    people = [agent(1, last_assigned_at=200.0), agent(2, last_assigned_at=100.0)]
    assert decide(Arrival("chat"), people, [], Policy()).agent_id == 2


def test_round_robin_takes_the_longest_since_their_last_conversation_whatever_the_load():
    people = [
        agent(1, active=0, last_assigned_at=300.0),
        agent(2, active=2, last_assigned_at=100.0),
        agent(3, active=1, last_assigned_at=200.0),
    ]
    policy = Policy(strategy=ROUND_ROBIN)
    decision = decide(Arrival("chat"), people, [], policy)
    assert decision.agent_id == 2
    assert decision.reasons[-1].code == "round_robin"
    # and it goes round: the one just given a conversation comes last
    people[1] = agent(2, active=3, capacity=4, last_assigned_at=400.0)
    assert decide(Arrival("chat"), people, [], policy).agent_id == 3


def test_a_rule_on_channel_and_language():
    rule = Rule(id=3, channels=frozenset({"phone"}), languages=frozenset({"en"}), tiers=("expert",))
    people = [agent(1, "regular"), agent(2, "expert", active=2)]
    assert decide(Arrival("phone", language="en"), people, [rule], Policy()).agent_id == 2
    assert decide(Arrival("phone", language="zh"), people, [rule], Policy()).agent_id == 1
    assert decide(Arrival("chat", language="en"), people, [rule], Policy()).agent_id == 1


def test_overflow_steps():
    assert allowed_steps(0, 3, 60) == 1
    assert allowed_steps(119, 3, 60) == 2
    assert allowed_steps(600, 3, 60) == 3
    assert allowed_steps(0, 3, 0) == 3  # 0: every pool at once
    assert next_overflow_s(0, 3, 60) == 60
    assert next_overflow_s(1, 3, 60) == 120
    assert next_overflow_s(2, 3, 60) is None
    assert next_overflow_s(0, 3, 0) is None


def test_reasons_are_plain_data():
    decision = decide(
        Arrival("chat", risk_label="high"), [agent(2, "senior")], [HIGH_RULE], Policy()
    )
    data = decision.reasons_data()
    assert data[0] == {
        "code": "rule",
        "params": {"rule": 1, "name": "高敏感", "risk_label": "high"},
    }
    assert all(set(d) == {"code", "params"} for d in data)
