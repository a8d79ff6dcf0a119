"""The demo generator (pure Python): deterministic, valid, realistic, and the trends show."""

from __future__ import annotations

import re
import statistics
import time
import zoneinfo
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from itertools import islice

import pytest

from kefu.demo.core.generator import SIZES, generate
from kefu.demo.core.trends import day_weight
from kefu.interactions.core.native import RecordError, parse_object

TZ = zoneinfo.ZoneInfo("Asia/Shanghai")
ID_CARD = re.compile(r"(?<!\d)\d{17}[\dX](?!\d)")
BANK_CARD = re.compile(r"(?<!\d)62\d{14}(?:\d{3})?(?!\d)|62\d\d(?: \d{4}){3}")
MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


@pytest.fixture(scope="module")
def records() -> list[dict]:
    return list(generate(42, "small", labels=True))


@pytest.fixture(scope="module")
def conversations(records) -> list[dict]:
    return [r for r in records if r["type"] == "conversation"]


@pytest.fixture(scope="module")
def year() -> list[dict]:
    """8,000 conversations: enough per month for the trends to stand out of the noise."""
    return [r for r in generate(42, conversations=8000) if r["type"] == "conversation"]


def at(value: str) -> datetime:
    return datetime.fromisoformat(value)


def agent_messages(conversation: dict) -> list[dict]:
    return [m for m in conversation["messages"] if m["role"] == "agent"]


def first_response_s(conversation: dict) -> float | None:
    """As the contract defines it: first customer message → first agent message after it."""
    first = None
    for m in conversation["messages"]:
        if first is None and m["role"] == "customer":
            first = at(m["at"])
        elif first is not None and m["role"] == "agent":
            return (at(m["at"]) - first).total_seconds()
    return None


def nps(answers: list[int]) -> float:
    return (sum(a >= 9 for a in answers) - sum(a <= 6 for a in answers)) / len(answers) * 100


def by_quarter(conversations: list[dict]) -> dict[int, list[dict]]:
    out = defaultdict(list)
    for c in conversations:
        out[(int(c["created_at"][5:7]) - 1) // 3 + 1].append(c)
    return out


def by_month(conversations: list[dict]) -> dict[int, list[dict]]:
    out = defaultdict(list)
    for c in conversations:
        out[int(c["created_at"][5:7])].append(c)
    return out


# --- determinism and validity --------------------------------------------------------


def test_it_gives_the_same_records_for_the_same_seed():
    assert list(generate(7, "tiny")) == list(generate(7, "tiny"))


def test_it_gives_other_records_for_another_seed():
    first, second = list(generate(7, "tiny")), list(generate(8, "tiny"))
    assert first != second
    assert first[200:] != second[200:]  # the conversations differ, not only the agents


def test_labels_change_nothing_else():
    plain = list(generate(3, "tiny"))
    labelled = list(generate(3, "tiny", labels=True))
    for record in labelled:
        record.pop("demo_labels", None)
    assert plain == labelled


def test_every_record_passes_the_native_validator(records):
    errors = [parse_object(r, TZ, i) for i, r in enumerate(records, 1)]
    assert [e for e in errors if isinstance(e, RecordError)] == []


def test_sizes_give_exact_counts():
    def count(**kw) -> int:
        return sum(r["type"] == "conversation" for r in generate(1, **kw))

    assert count(size="tiny") == SIZES["tiny"] == 200
    assert count(conversations=321) == 321
    assert SIZES["small"] == 2_000 and SIZES["default"] == 30_000
    assert SIZES["large"] == 1_000_000


def test_large_streams_without_building_the_year_first():
    started = time.monotonic()
    head = list(islice(generate(5, "large"), 127 + 3000))
    assert head[-1]["type"] == "conversation"
    assert time.monotonic() - started < 10


def test_agents_come_first_then_conversations_in_created_at_order(records, conversations):
    kinds = [r["type"] for r in records]
    assert kinds[:127] == ["agent"] * 127 and set(kinds[127:]) == {"conversation"}
    created = [at(c["created_at"]) for c in conversations]
    assert created == sorted(created)
    assert len({c["id"] for c in conversations}) == len(conversations)
    assert all(c["created_at"].endswith("+08:00") for c in conversations)
    assert created[0].year == created[-1].year == 2024


# --- people ----------------------------------------------------------------------------


def test_it_has_127_agents_in_about_ten_teams_each_with_one_lead(records):
    agents = [r for r in records if r["type"] == "agent"]
    assert [a["id"] for a in agents] == [f"A{n:04d}" for n in range(1, 128)]
    teams = defaultdict(list)
    for a in agents:
        teams[a["team"]].append(a)
    assert 10 <= len(teams) <= 12
    assert {"售前一组", "售后一组", "投诉处理组", "技术支持组", "邮件客服组", "专家组"} <= set(
        teams
    )
    for members in teams.values():
        leads = [a for a in members if a["tier"] == "lead"]
        assert len(leads) == 1
        assert all(a.get("supervisor") == leads[0]["id"] for a in members if a is not leads[0])
    assert {a["tier"] for a in teams["专家组"]} == {"lead", "expert"}
    assert {a["tier"] for a in agents} == {"new", "regular", "senior", "lead", "expert"}
    assert len({a["name"] for a in agents}) == 127
    assert all(re.fullmatch(r"[\u4e00-\u9fff]{2,3}", a["name"]) for a in agents)


def test_customers_return_across_channels(conversations):
    channels = Counter(c["channel"] for c in conversations)
    assert set(channels) == {"chat", "phone", "email", "app"}
    assert channels.most_common(1)[0][0] == "chat"
    seen: set[str] = set()
    returning = 0
    customer_channels = defaultdict(set)
    for c in conversations:
        returning += c["customer"]["id"] in seen
        seen.add(c["customer"]["id"])
        customer_channels[c["customer"]["id"]].add(c["channel"])
    assert 0.3 < returning / len(conversations) < 0.5
    assert sum(len(v) >= 2 for v in customer_channels.values()) >= 50
    segments = {c["customer"]["segment"] for c in conversations}
    assert segments == {"vip", "regular", "new", "enterprise"}
    assert all(MOBILE.fullmatch(c["customer"]["phone"]) for c in conversations)


def test_phone_messages_are_transcript_segments(conversations):
    calls = [c for c in conversations if c["channel"] == "phone"]
    assert calls
    for call in calls:
        created = at(call["created_at"])
        for m in call["messages"]:
            assert isinstance(m["start_s"], float) and isinstance(m["end_s"], float)
            assert m["end_s"] >= m["start_s"]
            assert at(m["at"]) == created + timedelta(seconds=m["start_s"])


# --- content ---------------------------------------------------------------------------


def test_scenarios_have_three_level_categories(conversations):
    problems = Counter(c["category"][1] for c in conversations)
    causes = {c["category"][2] for c in conversations}
    assert all(len(c["category"]) == 3 for c in conversations)
    assert {"商品咨询", "物流延迟", "退款到账慢", "功能误解", "发票问题", "账户安全"} <= set(
        problems
    )
    assert {"系统故障", "流程冗余", "培训缺失", "供应商变更"} <= causes


def test_good_and_bad_service_both_occur(conversations):
    labels = Counter(label for c in conversations for label in c["demo_labels"])
    for behaviour in (
        "missing_greeting", "taboo", "slow_reply", "angry", "repeat_question",
        "no_confirmation", "customer_pii", "mechanical_soothing", "complaint", "escalation",
        "transfer", "no_reply",
    ):  # fmt: skip
        assert labels[behaviour] > 0, behaviour
    agent_texts = [m["text"] for c in conversations for m in agent_messages(c)]
    customer_texts = [
        m["text"] for c in conversations for m in c["messages"] if m["role"] == "customer"
    ]
    assert any(
        t in text for text in agent_texts for t in ("这不归我管", "你自己看说明", "我也没办法")
    )
    assert sum("请问还有其他可以帮您的吗" in t for t in agent_texts) > 100
    assert any(w in t for t in customer_texts for w in ("投诉", "太差了", "气死了"))
    assert any(ID_CARD.search(t) for t in customer_texts)
    assert any(BANK_CARD.search(t) for t in customer_texts)
    assert any(MOBILE.search(t) for t in customer_texts)


def test_labels_match_the_text(conversations):
    for c in conversations:
        labels = set(c["demo_labels"])
        agents = agent_messages(c)
        if "missing_greeting" in labels and c["channel"] != "email":
            assert not any(w in agents[0]["text"] for w in ("您好", "你好", "欢迎"))
        if "repeat_question" in labels:
            roles = "".join(m["role"][0] for m in c["messages"])
            assert "ccc" in roles  # three customer messages in a row, no answer between
        if "no_reply" in labels:
            assert not agents
        if "slow_reply" in labels:
            gaps = [
                (at(b["at"]) - at(a["at"])).total_seconds()
                for a, b in zip(c["messages"], c["messages"][1:], strict=False)
                if a["role"] == "customer" and b["role"] == "agent"
            ]
            assert max(gaps) > 60


def test_complaints_escalations_transfers_surveys_and_orders(conversations):
    complaints = [c for c in conversations if c["complaint"]]
    assert 0.02 < len(complaints) / len(conversations) < 0.08
    escalations = [e for c in conversations for e in c.get("escalations", [])]
    assert {e["level"] for e in escalations} == {"supervisor", "expert"}
    assert all(at(e["resolved_at"]) >= at(e["at"]) for e in escalations)
    teams = {a["id"]: a["team"] for a in generate(42, "tiny") if a["type"] == "agent"}
    transfers = [t for c in conversations for t in c.get("transfers", [])]
    assert transfers and all(teams[t["from"]] == teams[t["to"]] for t in transfers)

    surveys = [c["survey"] for c in conversations if "survey" in c]
    assert 0.28 < len(surveys) / len(conversations) < 0.42
    assert any("nps" in s and "csat" not in s for s in surveys)  # NPS-only answers
    assert any("csat" in s and "nps" not in s for s in surveys)
    assert any("comment" in s for s in surveys)
    assert {s["csat"] for s in surveys if "csat" in s} == {1, 2, 3, 4, 5}

    orders = [c["order"] for c in conversations if "order" in c]
    assert all(o["currency"] == "CNY" for o in orders)
    assert {o["converted"] for o in orders} == {True, False}
    assert all(o["amount"] > 0 for o in orders if o["converted"])
    assert all(c["category"][0] == "售前" for c in conversations if "order" in c)


def test_most_are_closed_and_a_few_stay_open_at_the_end_of_december(conversations):
    statuses = Counter(c["status"] for c in conversations)
    assert statuses["closed"] / len(conversations) > 0.95
    open_ones = [c for c in conversations if c["status"] == "open"]
    assert open_ones and all(c["created_at"] >= "2024-12-29" for c in open_ones)
    for c in conversations:
        if c["status"] == "closed":
            assert "closed_at" in c
        if "resolved_at" in c:
            assert at(c["resolved_at"]) >= at(c["created_at"])


# --- trends ----------------------------------------------------------------------------


def test_nps_rises_quarter_by_quarter(year):
    scores = {
        q: nps([c["survey"]["nps"] for c in cs if "nps" in c.get("survey", {})])
        for q, cs in by_quarter(year).items()
    }
    assert scores[4] - scores[1] > 10
    assert scores[1] < scores[2] < scores[4] and scores[1] < scores[3]
    # ~600 answers a quarter: an NPS is ±4 points (1 SE), so Q3 and Q4 may swap by noise
    assert scores[3] < scores[4] + 5
    assert 20 < scores[1] < 42 and 42 < scores[4] < 62  # seeds: 32.1 → 51.6


def test_first_response_gets_faster(year):
    months = by_month(year)

    def frt(month: int) -> float:
        return statistics.mean(s for c in months[month] if (s := first_response_s(c)) is not None)

    assert frt(12) < frt(1) - 10  # seeds: about 47 s → 29 s
    assert frt(12) < 35


def test_csat_complaints_escalations_and_conversion_improve(year):
    quarters = by_quarter(year)

    def csat(q: int) -> float:
        return statistics.mean(
            c["survey"]["csat"] for c in quarters[q] if "csat" in c.get("survey", {})
        )

    def rate(q: int, test) -> float:
        return sum(map(test, quarters[q])) / len(quarters[q])

    def escalation_min(q: int) -> float:
        return statistics.mean(
            (at(e["resolved_at"]) - at(e["at"])).total_seconds() / 60
            for c in quarters[q]
            for e in c.get("escalations", [])
        )

    def conversion(q: int) -> float:
        orders = [c["order"]["converted"] for c in quarters[q] if "order" in c]
        return sum(orders) / len(orders)

    assert csat(4) > csat(1) + 0.1
    assert rate(4, lambda c: c["complaint"]) < rate(1, lambda c: c["complaint"])
    assert escalation_min(4) < escalation_min(1) * 0.7
    assert conversion(4) > conversion(1) + 0.04


def test_volume_peaks_on_shopping_festivals(year):
    per_day = Counter(c["created_at"][:10] for c in year)
    average = len(year) / 366
    assert per_day["2024-11-11"] > 2.5 * average
    assert per_day["2024-06-18"] > 1.8 * average
    assert day_weight(date(2024, 11, 11)) > day_weight(date(2024, 11, 25))


def test_qa_compliance_rises_as_in_the_seeds(year):
    # The seeds: AI QA compliance 85 % → 94 % over the year, with the default scorecard.
    from kefu.interactions.core.native import parse_object
    from kefu.qa.core.defaults import default_engine

    engine = default_engine()
    passed = {c["id"]: engine.score(parse_object(c, TZ)).passed for c in year}

    def compliance(conversations: list[dict]) -> float:
        return sum(passed[c["id"]] for c in conversations) / len(conversations)

    quarters, months = by_quarter(year), by_month(year)
    first, last = compliance(quarters[1]), compliance(quarters[4])
    assert 0.82 < first < 0.90 and 0.91 < last < 0.97
    assert last - first > 0.05
    # month by month too (benchmarks/bench_demo_trends.py prints every month)
    january, december = compliance(months[1]), compliance(months[12])
    assert 0.81 < january < 0.89 and 0.91 < december < 0.98
