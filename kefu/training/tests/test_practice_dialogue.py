"""The simulated customer's core (kefu/training/core/dialogue.py), without a database:
transitions by keywords, regular expression and QA condition, the fallback, the turn limit,
deterministic line variants, validation errors that name the node and the field, and the
20 shipped scenarios."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta

import pytest

from conftest import SHANGHAI
from kefu.training.core import dialogue as d
from kefu.training.core import scenario_files

T0 = datetime(2024, 5, 6, 10, 0, tzinfo=SHANGHAI)

SMALL = {
    "code": "small",
    "title": "小场景",
    "goal": "解决问题",
    "start": "open",
    "max_turns": 4,
    "nodes": {
        "open": {
            "say": ["我的快递呢？", "快递怎么还没到？", "在吗？快递到哪了？"],
            "again": ["我再问一次，快递呢？"],
            "routes": [
                {
                    "to": "angry",
                    "qa": {
                        "must_not_say": {
                            "lexicon": "forbidden",
                            "role": "agent",
                            "position": "last",
                        }
                    },
                    "good": False,
                    "note": "禁语",
                },
                {
                    "to": "order",
                    "keywords": [["抱歉", "不好意思"], ["订单号", "单号"]],
                    "good": True,
                },
                {"to": "order", "regex": r"\d{6,}", "note": "报了单号"},
            ],
            "otherwise": "open",
        },
        "order": {
            "say": ["订单号 2024050212。"],
            "routes": [
                {"to": "done", "keywords": ["明天", "今天"], "good": True, "note": "给了时间"}
            ],
            "otherwise": "angry",
        },
        "angry": {
            "say": ["什么态度！"],
            "routes": [{"to": "order", "keywords": ["对不起"]}],
            "otherwise": "left",
        },
        "done": {"goal": True, "say": ["好的，谢谢。"]},
        "left": {"end": True, "say": ["我去投诉了。"]},
    },
}


@pytest.fixture(scope="module")
def small() -> d.Scenario:
    return d.parse_scenario(SMALL)


def talk(scenario: d.Scenario, *replies: str, seed: int = 1) -> tuple[list[d.Line], list[d.Step]]:
    first = d.opening(scenario, seed)
    lines = [d.Line("customer", first.text or "", T0, first.node, first.route)]
    steps = []
    at = T0
    for reply in replies:
        at += timedelta(seconds=20)
        lines.append(d.Line("agent", reply, at))
        step = d.respond(scenario, lines, seed)
        steps.append(step)
        if step.text is not None:
            at += timedelta(seconds=1)
            lines.append(d.Line("customer", step.text, at, step.node, step.route))
    return lines, steps


# --- transitions ----------------------------------------------------------------------------
def test_it_follows_a_keyword_route_when_every_group_matches(small):
    _, steps = talk(small, "不好意思让您久等了，请问订单号是多少？")
    assert (steps[0].node, steps[0].route) == ("order", "open.routes[1]")
    assert steps[0].text == "订单号 2024050212。"


def test_it_needs_every_keyword_group(small):
    # an apology without asking for the order number: the groups are AND, so no route
    _, steps = talk(small, "不好意思让您久等了。")
    assert steps[0].route == "open.otherwise"
    assert steps[0].node == "open"


def test_it_matches_keywords_case_and_width_insensitively():
    data = copy.deepcopy(SMALL)
    data["nodes"]["order"]["routes"] = [{"to": "done", "keywords": ["sf"]}]
    scenario = d.parse_scenario(data)
    lines = [d.Line("customer", "x", T0, "order", "start"), d.Line("agent", "已发ＳＦ顺丰", T0)]
    assert d.respond(scenario, lines, 0).node == "done"


def test_it_follows_a_regex_route(small):
    _, steps = talk(small, "您的单号是 2024050212 吗")
    assert (steps[0].node, steps[0].route) == ("order", "open.routes[2]")


def test_it_follows_a_qa_condition_route(small):
    # the QA lexicon "forbidden" (服务禁语) knows 我不知道 — the rule language decides
    _, steps = talk(small, "我不知道，你自己去查。")
    assert (steps[0].node, steps[0].route) == ("angry", "open.routes[0]")
    assert steps[0].text == "什么态度！"


def test_a_qa_condition_sees_the_whole_transcript():
    data = copy.deepcopy(SMALL)
    # "the agent has replied at least twice": a condition over the transcript, not the reply
    data["nodes"]["open"]["routes"] = [
        {"to": "order", "qa": {"count": {"role": "agent", "at_least": 2}}}
    ]
    scenario = d.parse_scenario(data)
    _, steps = talk(scenario, "嗯", "嗯嗯")
    assert steps[0].route == "open.otherwise"
    assert steps[1].route == "open.routes[0]"


def test_the_first_matching_route_wins(small):
    # forbidden words and an order number: the taboo route comes first
    _, steps = talk(small, "我不知道 2024050212")
    assert steps[0].route == "open.routes[0]"


def test_the_fallback_repeats_with_the_again_lines(small):
    _, steps = talk(small, "嗯")
    assert steps[0].route == "open.otherwise"
    assert steps[0].text == "我再问一次，快递呢？"  # the node said before: an `again` line


def test_the_fallback_escalates_to_an_end(small):
    _, steps = talk(small, "抱歉，订单号？", "好的", "嗯")
    assert [s.node for s in steps] == ["order", "angry", "left"]
    assert steps[-1].kind == d.END and steps[-1].finished
    assert steps[-1].text == "我去投诉了。"


def test_a_goal_node_ends_the_customer_s_part(small):
    lines, steps = talk(small, "抱歉，订单号？", "明天就到", "还有什么可以帮您？再见")
    assert steps[1].kind == d.GOAL and not steps[1].finished  # the agent says goodbye first
    assert steps[2].text is None and steps[2].node == "done"
    assert lines[-1].role == "agent"


def test_it_gives_up_after_max_turns(small):
    _, steps = talk(small, "嗯", "嗯", "嗯", "嗯")
    assert [s.route for s in steps[:3]] == ["open.otherwise"] * 3
    assert (steps[3].node, steps[3].route) == ("left", "max_turns")  # max_turns 4


def test_line_variants_follow_the_seed():
    scenario = d.parse_scenario(SMALL)
    texts = {d.opening(scenario, seed).text for seed in range(40)}
    assert texts == set(SMALL["nodes"]["open"]["say"])
    assert d.opening(scenario, 7).text == d.opening(scenario, 7).text
    assert d.pick(["a", "b", "c"], 7, "open", 0) == d.pick(["a", "b", "c"], 7, "open", 0)


def test_the_route_of_a_customer_line(small):
    lines, _ = talk(small, "抱歉，订单号？")
    route = d.route_of(small, lines[-1].route)
    assert route is not None and route.good is True
    assert d.route_of(small, "open.otherwise") is None
    assert d.route_of(small, "start") is None


def test_the_transcript_as_a_native_record(small):
    lines, _ = talk(small, "抱歉，订单号？", "明天到")
    record = d.transcript_record(
        small, lines, conversation_id="P-1", agent="A0007", resolved_at=lines[-1].at
    )
    assert [m.id for m in record.messages] == ["m1", "m2", "m3", "m4", "m5"]
    assert [m.role for m in record.messages][:2] == ["customer", "agent"]
    assert record.messages[1].agent == "A0007" and record.messages[0].agent is None
    assert record.created_at == T0
    assert record.status == "resolved" and record.closed_at is None
    closed = d.transcript_record(small, lines, closed_at=lines[-1].at)
    assert closed.status == "closed" and closed.resolved_at is None


def test_lines_round_trip_as_data(small):
    lines, _ = talk(small, "抱歉，订单号？")
    assert [d.Line.from_data(line.as_data()) for line in lines] == lines


def test_respond_needs_the_agent_s_reply_last(small):
    with pytest.raises(ValueError):
        d.respond(small, [d.Line("customer", "x", T0, "open", "start")], 0)


# --- validation ------------------------------------------------------------------------------
def problems(data) -> list[str]:
    return [str(p) for p in d.validate(data)]


def with_change(change) -> dict:
    data = copy.deepcopy(SMALL)
    change(data)
    return data


def test_a_valid_scenario_has_no_problem():
    assert problems(SMALL) == []


def test_it_names_an_unknown_target():
    data = with_change(lambda x: x["nodes"]["order"]["routes"][0].update(to="nowhere"))
    assert problems(data) == ["node order: routes[0].to: no node named 'nowhere'"]


def test_it_names_an_unknown_fallback_target():
    data = with_change(lambda x: x["nodes"]["open"].update(otherwise="ghost"))
    assert problems(data) == ["node open: otherwise: no node named 'ghost'"]


def test_it_names_unreachable_nodes():
    def change(x):
        x["nodes"]["island"] = {"say": ["?"], "routes": [], "otherwise": "left"}

    assert problems(with_change(change)) == ["node island: unreachable from the start node 'open'"]


def test_it_wants_an_end_node():
    def change(x):
        del x["nodes"]["left"]
        x["nodes"]["angry"]["otherwise"] = "angry"

    assert "nodes: no end node: add one (`end: true`) the customer leaves by" in problems(
        with_change(change)
    )


def test_it_wants_a_goal_node():
    def change(x):
        x["nodes"]["done"] = {"end": True, "say": ["再见"]}

    assert "nodes: no goal node: add one (`goal: true`), the resolved outcome" in problems(
        with_change(change)
    )


def test_it_wants_a_way_out_of_every_node():
    def change(x):
        x["nodes"]["loop"] = {"say": ["?"], "otherwise": "loop"}
        x["nodes"]["open"]["routes"].append({"to": "loop", "keywords": ["x"]})

    assert problems(with_change(change)) == ["node loop: no way from here to a goal or an end node"]


def test_it_wants_a_fallback_on_talk_nodes():
    data = with_change(lambda x: x["nodes"]["order"].pop("otherwise"))
    assert problems(data)[0].startswith("node order: otherwise: is required")


def test_it_names_a_bad_regex_and_a_bad_qa_condition():
    def change(x):
        x["nodes"]["open"]["routes"][2]["regex"] = "(unclosed"
        x["nodes"]["order"]["routes"][0] = {"to": "done", "qa": {"keywords": {"lexicon": "nope"}}}

    found = problems(with_change(change))
    assert found[0].startswith("node open: routes[2].regex: not a valid regular expression")
    assert found[1] == "node order: routes[0].qa.keywords.lexicon: no lexicon named 'nope'"


def test_it_names_unknown_keys_and_routes_without_a_test():
    def change(x):
        x["colour"] = "red"
        x["nodes"]["order"]["routes"][0] = {"to": "done", "whenever": True}

    found = problems(with_change(change))
    assert any(p.startswith("colour: unknown key") for p in found)
    assert any(p.startswith("node order: routes[0].whenever: unknown key") for p in found)
    assert "node order: routes[0]: needs a test: keywords, regex or qa" in found


def test_terminal_nodes_have_no_routes_and_the_start_talks():
    def change(x):
        x["nodes"]["done"]["routes"] = [{"to": "open", "keywords": ["x"]}]
        x["start"] = "done"

    found = problems(with_change(change))
    assert "node done: routes: a goal node ends the dialogue: no routes" in found
    assert "start: must be a talk node (not a goal or an end)" in found


def test_it_checks_the_header_fields():
    def change(x):
        x.update(code="Bad Code", title="", max_turns=0, channel="phone", start="nowhere")

    found = problems(with_change(change))
    assert "code: a–z, 0–9 and -, 2–64 characters" in found
    assert "title: is required" in found
    assert any(p.startswith("max_turns:") for p in found)
    assert any(p.startswith("channel:") for p in found)
    assert "start: must name a node, got 'nowhere'" in found


def test_it_refuses_what_is_not_a_mapping():
    assert problems([1, 2]) == ["scenario: must be a mapping (code, title, nodes, …)"]
    with pytest.raises(d.ScenarioError) as caught:
        d.parse_scenario("text")
    assert caught.value.problems[0].where == "scenario"


def test_bare_numbers_are_words():
    data = with_change(lambda x: x["nodes"]["order"]["routes"][0].update(keywords=[602, "明天"]))
    scenario = d.parse_scenario(data)
    lines = [d.Line("customer", "x", T0, "order", "start"), d.Line("agent", "602室", T0)]
    assert d.respond(scenario, lines, 0).node == "done"


# --- the shipped scenarios ---------------------------------------------------------------------
SHIPPED = scenario_files.builtin_definitions()


def test_twenty_scenarios_are_shipped():
    assert len(SHIPPED) == 20
    codes = [data["code"] for _, data in SHIPPED]
    assert len(set(codes)) == 20
    assert {"logistics-delay", "feature-misunderstanding", "refund-slow"} <= set(codes)


@pytest.mark.parametrize("path,data", SHIPPED, ids=[p.stem for p, _ in SHIPPED])
def test_a_shipped_scenario_is_valid_and_complete(path, data):
    scenario = d.parse_scenario(data)
    assert path.stem == scenario.code
    assert len(scenario.nodes) >= 4
    assert scenario.goal and scenario.brief
    routes = [r for n in scenario.nodes.values() for r in n.routes]
    assert any(r.good for r in routes) and any(r.good is False for r in routes)
    # every route's example reply takes that route (the data documents itself)
    for node in scenario.nodes.values():
        for route in node.routes:
            assert route.examples, f"{node.id}.{route.label} has no example"
            for example in route.examples:
                lines = [
                    d.Line("customer", "…", T0, node.id, "start"),
                    d.Line("agent", example, T0),
                ]
                step = d.respond(scenario, lines, 0)
                assert step.route == f"{node.id}.{route.label}", example
    # good replies lead from the start to the goal
    node, seen = scenario.node(scenario.start), 0
    while node.kind == d.TALK and seen < 20:
        node = scenario.node(next(r for r in node.routes if r.good).to)
        seen += 1
    assert node.kind == d.GOAL
