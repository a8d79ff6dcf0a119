"""The engine: definitions refused with a clear error, scorecards, and one result whether
a conversation is scored whole, message by message, or by `kefu qa score`."""

from __future__ import annotations

import dataclasses
import io
import json
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from kefu.interactions.core.native import time_key
from kefu.qa.core.defaults import (
    default_engine,
    default_indicators,
    default_lexicons,
    default_scorecard,
)
from kefu.qa.core.engine import Engine
from kefu.qa.core.errors import DefinitionError
from kefu.qa.tests.conversations import CLEAN, T0, conversation, native, replace


def engine_from(indicators=None, scorecard=None, lexicons=None) -> Engine:
    return Engine.from_data(
        lexicons=lexicons if lexicons is not None else default_lexicons(),
        indicators=indicators if indicators is not None else default_indicators(),
        scorecard=scorecard if scorecard is not None else default_scorecard(),
        sentiment=lambda text: (0.0, ()),
    )


# --- definitions ---------------------------------------------------------------------------
def rule(when, **extra) -> list[dict]:
    return [{"id": "my_rule", "severity": "normal", "type": "attitude", "when": when, **extra}]


def card(*indicators: str, **extra) -> dict:
    item = {"id": "i1", "indicators": list(indicators), "points": 5}
    return {"id": "mine", "sections": [{"id": "s1", "items": [item]}], **extra}


@pytest.mark.parametrize(
    ("when", "where"),
    [
        ({"keywords": {"lexicon": "nope", "role": "agent"}}, "indicator my_rule: when.keywords.lexicon"),
        ({"keywords": {"lexicon": "greeting", "role": "boss"}}, "indicator my_rule: when.keywords.role"),
        ({"keywords": {"lexicon": "greeting", "colour": "red"}}, "indicator my_rule: when.keywords.colour"),
        ({"keywords": {"role": "agent"}}, "indicator my_rule: when.keywords"),
        ({"regex": {"pattern": "(unclosed"}}, "indicator my_rule: when.regex.pattern"),
        ({"response_gap": {"over_s": -1}}, "indicator my_rule: when.response_gap.over_s"),
        ({"response_gap": {"over_s": "a minute"}}, "indicator my_rule: when.response_gap.over_s"),
        ({"all": [{"first_response": {}}]}, "indicator my_rule: when.all[0].first_response.over_s"),
        ({"sometimes": {}}, "indicator my_rule: when.sometimes"),
        ({"all": []}, "indicator my_rule: when.all"),
        ({"must_say": {"lexicon": "greeting", "absent": False}}, "indicator my_rule: when.must_say.absent"),
    ],
)  # fmt: skip
def test_a_bad_rule_is_refused_naming_the_rule_and_the_field(when, where):
    with pytest.raises(DefinitionError) as error:
        engine_from(indicators=rule(when), scorecard=card("my_rule"))
    assert error.value.where == where


def test_bad_severity_type_and_duplicate_ids_are_refused():
    with pytest.raises(DefinitionError, match="my_rule: severity"):
        engine_from(
            indicators=rule({"count": {"at_least": 1}}, severity="huge"), scorecard=card("my_rule")
        )
    with pytest.raises(DefinitionError, match="my_rule: type"):
        engine_from(
            indicators=rule({"count": {"at_least": 1}}, type="vibes"), scorecard=card("my_rule")
        )
    twice = rule({"count": {"at_least": 1}}) * 2
    with pytest.raises(DefinitionError, match="used twice"):
        engine_from(indicators=twice, scorecard=card("my_rule"))


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"pass_line": 120}, "scorecard mine: pass_line"),
        ({"version": 0}, "scorecard mine: version"),
        ({"sections": []}, "scorecard mine: sections"),
        ({"sections": [{"id": "s1", "items": [{"id": "i1", "indicators": ["ghost"], "points": 5}]}]},
         "scorecard mine: item i1.indicators"),
        ({"sections": [{"id": "s1", "items": [{"id": "i1", "indicators": ["missing_greeting"], "points": -5}]}]},
         "scorecard mine: item i1.points"),
        ({"sections": [{"id": "s1", "items": [{"id": "i1", "indicators": ["missing_greeting"], "points": 5,
                                                "mode": "add", "fatal": True}]}]},
         "scorecard mine: item i1.fatal"),
        ({"sections": [{"id": "s1", "items": [{"id": "i1", "indicators": ["missing_greeting"], "points": 5,
                                                "channels": ["fax"]}]}]},
         "scorecard mine: item i1.channels"),
    ],
)  # fmt: skip
def test_a_bad_scorecard_is_refused_naming_the_item_and_the_field(change, where):
    with pytest.raises(DefinitionError) as error:
        engine_from(scorecard=card("missing_greeting") | change)
    assert error.value.where == where


def test_a_bad_lexicon_is_refused():
    with pytest.raises(DefinitionError, match=r"lexicons.greeting.synonyms.hey"):
        engine_from(lexicons={"greeting": {"words": ["您好"], "synonyms": {"hey": ["嗨"]}}})


def test_a_lexicon_synonym_counts_as_its_word():
    lexicons = default_lexicons()
    lexicons["forbidden"]["synonyms"]["我也没办法"].append("我也没招")
    engine = engine_from(lexicons=lexicons)
    text = "这个我也没招了，稍后回复您"
    hit = {h.indicator: h for h in engine.score(conversation(replace(CLEAN, 3, text))).hits}
    assert hit["forbidden_phrase"].evidence == "出现: 我也没办法"


def test_addition_items_add_points_and_results_name_the_version():
    # given a scorecard that rewards offering help (a "good behaviour" indicator)
    offer = [{"id": "offers_help", "severity": "minor", "type": "communication",
              "when": {"keywords": {"lexicon": "proactive_offer", "role": "agent"}}}]  # fmt: skip
    scorecard = {"id": "bonus", "version": 3, "base": 100, "pass_line": 60, "sections": [
        {"id": "s", "items": [
            {"id": "greet", "indicators": ["missing_greeting"], "points": 30},
            {"id": "offer", "indicators": ["offers_help"], "points": 10, "mode": "add"}]}]}  # fmt: skip
    engine = engine_from(indicators=default_indicators() + offer, scorecard=scorecard)
    # when a conversation lacks the greeting but offers help
    result = engine.score(conversation(replace(CLEAN, 1, "请问您是想查哪个订单？我帮您查一下。")))
    # then 100 − 30 + 10, and the result names the scorecard version
    assert result.score == 80.0
    assert (result.scorecard, result.scorecard_version) == ("bonus", 3)


# --- one result however it is computed ----------------------------------------------------
PHRASES = {
    "customer": ["你好", "在吗", "我的退款什么时候到账？", "太差了，非常失望", "我要投诉", "好的谢谢",
                 "订单号 20240501", "气死我了!!!", "我要销户", "还是没解决"],
    "agent": ["您好，请问有什么可以帮您？", "嗯", "好", "请您耐心等待", "不知道", "我帮您查一下",
              "确认一下您的订单号", "这不是我们的问题", "还有其他可以帮您的吗？感谢", "手机号 13812345678"],
    "bot": ["您好，我是智能助手"],
}  # fmt: skip


@st.composite
def conversations(draw):
    channel = draw(st.sampled_from(["chat", "phone", "app"]))
    count = draw(st.integers(0, 14))
    messages, at, start = [], 0.0, 0.0
    for _ in range(count):
        role = draw(st.sampled_from(["customer", "customer", "agent", "agent", "bot"]))
        at += draw(st.floats(0, 240))
        text = draw(st.sampled_from(PHRASES[role]))
        spec = ({"customer": "c", "agent": "a", "bot": "b"}[role], text, at)
        if channel == "phone":
            start = max(0.0, start + draw(st.floats(-3, 15)))
            spec = (*spec, start, start + draw(st.floats(0.5, 8)))
        messages.append(spec)
    header = {"channel": channel, "survey": draw(st.sampled_from([None, {"csat": 1}, {"nps": 9}]))}
    if draw(st.booleans()):
        header |= {"status": "open", "resolved_at": None}
    return messages, header


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(conversations())
def test_batch_and_message_by_message_give_the_same_result(spec):
    messages, header = spec
    record = conversation(messages, **header)
    engine = default_engine()
    whole = engine.score(record)
    session = engine.session(conversation([], **header))
    live = session.result()
    for message in record.messages:
        live = session.add(message)
    assert live == whole


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(conversations(), st.randoms(use_true_random=False))
def test_it_measures_by_time_whatever_order_messages_are_listed_or_arrive_in(spec, rnd):
    # given a conversation in time order, and its messages listed in another order
    messages, header = spec
    record = conversation(messages, **header)
    key = time_key(record.channel, record.created_at)
    assume(len({key(m) for m in record.messages}) == len(record.messages))  # no ties
    shuffled = list(record.messages)
    rnd.shuffle(shuffled)
    engine = default_engine()
    # then scoring the listing, or its messages as they arrive, gives the time order's result
    whole = engine.score(record)
    assert engine.score(dataclasses.replace(record, messages=shuffled)) == whole
    session = engine.session(dataclasses.replace(record, messages=[]))
    for message in shuffled:
        live = session.add(message)
    assert not shuffled or live == whole


def test_a_reply_listed_before_the_question_is_the_first_response():
    # given the agent's reply (20 s after) listed before the customer's question
    timely = conversation([("c", "你好，想问一下退款的进度", 0), *CLEAN[1:]])
    later = [(role, text, seconds + 40) for role, text, seconds in CLEAN[2:]]
    slow = conversation([("c", "你好，想问一下退款的进度", 0),
                         ("a", "您好，请问您是想查询哪个订单的退款呢？", 45), *later])  # fmt: skip
    engine = default_engine()
    for record in (timely, slow):
        listed = [record.messages[1], record.messages[0], *record.messages[2:]]
        result = engine.score(dataclasses.replace(record, messages=listed))
        # then the reply counts (answered) and its wait is measured from the question
        assert result == engine.score(record)
        assert "no_agent_reply" not in {h.indicator for h in result.hits}
    [frt] = [h for h in engine.score(slow).hits if h.indicator == "slow_first_response"]
    assert (frt.messages, frt.evidence) == (("m1", "m2"), "首次响应 45 秒")
    assert "slow_first_response" not in {h.indicator for h in engine.score(timely).hits}


def run_qa(*args: str) -> list[dict]:
    out = io.StringIO()
    call_command("qa", *args, stdout=out, stderr=io.StringIO())
    return [json.loads(line) for line in out.getvalue().splitlines()]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(conversations(), min_size=1, max_size=4))
def test_the_command_gives_the_batch_result(tmp_path_factory, specs):
    path = tmp_path_factory.mktemp("qa") / "in.jsonl"
    records = [native(m, id=f"C{i}", **h) for i, (m, h) in enumerate(specs)]
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), "utf-8")
    lines = run_qa("score", str(path))
    expected = [default_engine().score(conversation(m, id=f"C{i}", **h)).as_contract()
                for i, (m, h) in enumerate(specs)]  # fmt: skip
    assert lines == json.loads(json.dumps(expected))


def test_the_command_prints_the_contract_shape(tmp_path):
    path = tmp_path / "one.jsonl"
    path.write_text(json.dumps(native(replace(CLEAN, 3, "我也没办法")), ensure_ascii=False) + "\n")
    (line,) = run_qa("score", str(path), "--format", "json")
    assert list(line) == ["conversation", "score", "passed", "fatal", "hits"]
    hit = next(h for h in line["hits"] if h["indicator"] == "forbidden_phrase")
    assert hit == {"indicator": "forbidden_phrase", "messages": ["m4"], "evidence": "出现: 我也没办法、没办法",
                   "severity": "severe", "type": "attitude"}  # fmt: skip


def test_the_command_takes_another_scorecard_and_refuses_a_bad_one(tmp_path):
    path = tmp_path / "one.jsonl"
    path.write_text(json.dumps(native(replace(CLEAN, 3, "我也没办法")), ensure_ascii=False) + "\n")
    strict = tmp_path / "strict.yaml"
    strict.write_text(yaml.safe_dump(card("forbidden_phrase") | {"pass_line": 99}), "utf-8")
    (line,) = run_qa("score", str(path), "--scorecard", str(strict))
    assert (line["score"], line["passed"]) == (95.0, False)
    assert [h["indicator"] for h in line["hits"]] == ["forbidden_phrase"]
    broken = tmp_path / "broken.yaml"
    broken.write_text(yaml.safe_dump(card("ghost")), "utf-8")
    with pytest.raises(
        CommandError, match=r"scorecard mine: item i1\.indicators: no indicator 'ghost'"
    ):
        run_qa("score", str(path), "--scorecard", str(broken))


def test_the_command_reports_bad_records_and_scores_the_rest(tmp_path):
    path = tmp_path / "mixed.jsonl"
    good = json.dumps(native(id="GOOD"), ensure_ascii=False)
    path.write_text('{"type": "conversation", "id": "BAD"}\n' + good + "\n", "utf-8")
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match="1 record"):
        call_command("qa", "score", str(path), stdout=out, stderr=err)
    assert [json.loads(x)["conversation"] for x in out.getvalue().splitlines()] == ["GOOD"]
    assert "BAD" in err.getvalue()


def test_message_times_do_not_need_to_be_on_the_same_day():
    late = conversation(
        [("c", "在吗", 0), ("a", "您好，请问有什么可以帮您？我帮您确认一下", 86_400)]
    )
    hit = {h.indicator: h for h in default_engine().score(late).hits}["slow_first_response"]
    assert hit.evidence == "首次响应 1440.0 分钟"
    assert T0 + timedelta(days=1) == late.messages[1].at


def test_shipped_files_parse():
    for name in ("lexicons.yaml", "indicators.yaml", "scorecard.yaml"):
        assert yaml.safe_load((Path(__file__).parents[1] / "data" / name).read_text("utf-8"))
