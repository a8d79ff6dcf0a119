"""The QA pages: access per role (404 outside the scope), the results list's filters and
query budget, hits highlighted on their messages, the score explained with its history,
the per-agent summary, the problem dashboard and the compliance rate's definition."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse

from conftest import SHANGHAI, native_conversation
from kefu.accounts.models import Agent, Team
from kefu.audit.models import AuditLog
from kefu.interactions.models import Conversation
from kefu.lib.paging import decode_day_cursor as decode_cursor
from kefu.lib.paging import encode_day_cursor as encode_cursor
from kefu.qa.core.figures import (
    band_lookups,
    compliance_rate,
    evidence_words,
    format_rate,
    highlight,
    score_band,
)
from kefu.qa.models import QaResult, ScorecardVersion
from kefu.qa.scoring import score_conversations
from kefu.qa.store import default_version

T0 = datetime(2024, 5, 2, 10, 0, tzinfo=SHANGHAI)
MAY = {"from": "2024-05-01", "to": "2024-05-31"}
YEAR = {"from": "2024-01-01", "to": "2024-12-31"}
ROLES = {"c": "customer", "a": "agent"}
CLEAN = [
    ("c", "你好，想问一下退款的进度", 0),
    ("a", "您好，请问您是想查询哪个订单的退款呢？我帮您查一下。", 10),
    ("c", "订单号是 20240501", 20),
    ("a", "好的，已经为您核实，退款今天会到账。还有其他可以帮您的吗？", 40),
    ("c", "好的谢谢", 50),
    ("a", "不客气，感谢您的耐心，祝您生活愉快！", 55),
]
TABOO = [
    ("c", "你好，我的退款怎么还没到？太让人失望了", 0),
    ("a", "您好，请问您是想查询哪个订单的退款呢？", 10),
    ("c", "订单号是 20240501，都一周了", 20),
    ("a", "这个我不知道，没办法，你自己看吧。", 40),
    ("c", "好吧", 50),
    ("a", "还有其他可以帮您的吗？感谢您的耐心，再见。", 55),
]

SLOPPY = [  # no greeting, a taboo said with a synonym (不清楚), shirking, no offer of help
    ("c", "你好，我的退款怎么还没到？", 0),
    ("a", "哦。", 10),
    ("c", "订单号是 20240501，都一周了", 20),
    ("a", "这个我也不清楚，这不是我们的问题，你去找别的部门吧。", 40),
    ("c", "好吧", 50),
    ("a", "嗯", 55),
]


def chat(cid: str, agent: str, days: float, lines=CLEAN, **header) -> dict:
    created = T0 + timedelta(days=days)
    messages = []
    for n, (role, text, seconds, *segment) in enumerate(lines, start=1):
        message = {
            "id": f"m{n}",
            "role": ROLES[role],
            "at": (created + timedelta(seconds=seconds)).isoformat(),
            "text": text,
        }
        if role == "a":
            message["agent"] = agent
        if segment:
            message["start_s"], message["end_s"] = segment
        messages.append(message)
    return native_conversation(
        id=cid, agent=agent, created=created, messages=messages, survey={"csat": 5}, **header
    )


def replaced(lines, index: int, text: str) -> list:
    out = list(lines)
    out[index] = (out[index][0], text, *out[index][2:])
    return out


@pytest.fixture
def data(personas, import_records):
    """May 2024 unless said otherwise; the import scores every conversation.

    alice (A0007, 售后一组): C-ALICE-TABOO (服务禁语 on m4), C-ALICE-CLEAN, C-ALICE-PII
    (an agent message with a phone number: fatal), C-ALICE-APRIL (April, 服务禁语 said
    with the synonym 不清楚, shirking, no greeting: failed, not fatal). sam's own (A0001, 售后一组): C-SAM-CLEAN. bob (A0102,
    售前一组): C-BOB-RUDE (辱骂: fatal, score 0), C-BOB-PHONE (a call, 服务禁语)."""
    report = import_records(
        chat("C-ALICE-TABOO", "A0007", 0, TABOO),
        chat("C-ALICE-CLEAN", "A0007", 1),
        chat("C-ALICE-PII", "A0007", 2,
             replaced(CLEAN, 3, "好的，已经为您核实，您登记的手机 13912345678 就是联系电话。还有其他可以帮您的吗？")),
        chat("C-ALICE-APRIL", "A0007", -20, SLOPPY),
        chat("C-SAM-CLEAN", "A0001", 3),
        chat("C-BOB-RUDE", "A0102", 4, replaced(CLEAN, 3, "你是不是傻，闭嘴吧。还有其他可以帮您的吗？")),
        chat("C-BOB-PHONE", "A0102", 5,
             [("c", "你好，我想问下退款", 0, 0.0, 2.0),
              ("a", "您好，请问您是想查哪个订单？", 3, 3.0, 5.0),
              ("c", "上周的订单", 6, 6.0, 7.5),
              ("a", "这个不知道，还有其他可以帮您的吗？感谢来电", 8, 8.0, 11.0)],
             channel="phone"),
    )  # fmt: skip
    assert report.rejected == 0, report.errors
    assert QaResult.objects.filter(is_current=True).count() == 7
    data = personas
    data.after_sales = Team.objects.get(name="售后一组")
    data.pre_sales = Team.objects.get(name="售前一组")
    data.alice_agent = Agent.objects.get(external_id="A0007")
    data.bob_agent = Agent.objects.get(external_id="A0102")
    data.sam_agent = Agent.objects.get(external_id="A0001")
    return data


def as_user(user, language: str | None = None) -> Client:
    client = Client()
    client.force_login(user)
    if language:
        client.cookies["django_language"] = language
    return client


def listed(response) -> list[str]:
    html = response.content.decode()
    return re.findall(r'<a class="qa-conversation-link" href="/qa/conversations/([^/]+)/">', html)


def json_data(response, element_id: str):
    html = response.content.decode()
    match = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', html)
    assert match, f"no #{element_id} in the page"
    return json.loads(match.group(1))


def message_html(response, message_id: str) -> str:
    """The HTML of one message of the conversation QA page (a chat bubble or a transcript
    row): from its element to the next message's (or the end of the messages' card)."""
    html = response.content.decode()
    marker = f'data-message="{message_id}"'
    assert marker in html, f"no message {message_id} in the page"
    start = html.index(marker)
    following = html.find('data-message="', start + len(marker))
    return html[start : following if following != -1 else html.index("</section>", start)]


def current(external_id: str) -> QaResult:
    return QaResult.objects.get(conversation__external_id=external_id, is_current=True)


ALL = {"C-ALICE-TABOO", "C-ALICE-CLEAN", "C-ALICE-PII", "C-ALICE-APRIL", "C-SAM-CLEAN",
       "C-BOB-RUDE", "C-BOB-PHONE"}  # fmt: skip
ALICE = {"C-ALICE-TABOO", "C-ALICE-CLEAN", "C-ALICE-PII", "C-ALICE-APRIL"}
TEAM_AFTER_SALES = ALICE | {"C-SAM-CLEAN"}


def urls(data) -> list[str]:
    return [
        reverse("qa:dashboard"),
        reverse("qa:results"),
        reverse("qa:conversation", args=["C-ALICE-TABOO"]),
        reverse("qa:agent", args=[data.alice_agent.pk]),
        reverse("qa:me"),
    ]


# --- the compliance rate and the pure helpers -----------------------------------------------


def test_compliance_rate_is_passed_over_scored():
    assert compliance_rate(85, 100) == 0.85  # the seeds' starting point …
    assert compliance_rate(94, 100) == 0.94  # … and where they got to
    assert compliance_rate(1_128, 1_200) == 0.94
    assert compliance_rate(3, 4) == 0.75
    assert compliance_rate(0, 12) == 0.0
    assert compliance_rate(0, 0) is None  # nothing scored: no rate, not 0 %
    assert format_rate(compliance_rate(47, 50)) == "94.0 %"
    assert format_rate(None) == "—"
    with pytest.raises(ValueError):
        compliance_rate(5, 4)


def test_score_bands():
    assert [score_band(s) for s in (0, 59.9, 60, 79.5, 80, 89.99, 90, 100)] == [
        "lt60", "lt60", "60-79", "60-79", "80-89", "80-89", "ge90", "ge90",
    ]  # fmt: skip
    assert score_band(None) == ""
    assert band_lookups("60-79") == {"score__gte": 60, "score__lt": 80}
    assert band_lookups("ge90") == {"score__gte": 90}
    assert band_lookups("nonsense") == {}


def test_evidence_words_and_highlight():
    assert evidence_words("出现: 不知道、没办法；出现: 你自己看、不知道…") == [
        "不知道",
        "没办法",
        "你自己看",
    ]
    assert evidence_words("情绪 -0.62: 气死、垃圾") == ["气死", "垃圾"]
    assert evidence_words("缺少: 您好 / 你好 …") == []
    assert evidence_words("等待 75 秒；首次响应 40 秒") == []
    assert evidence_words("") == []
    assert highlight("我不知道<b>", ["不知道", "知道"]) == "我<mark>不知道</mark>&lt;b&gt;"
    assert highlight("I Don't Know", ["i don't know"]) == "<mark>I Don&#x27;t Know</mark>"
    assert highlight("没有", ["不知道"]) == "没有"


def test_masked_evidence_still_marks_clear_and_masked_text():
    # evidence is stored masked; a star run stands for at least as many characters
    words = ["138****5678", "w***@example.com", "张**"]
    assert highlight("电话13812345678", words) == "电话<mark>13812345678</mark>"
    assert highlight("电话138-1234-5678", words) == "电话<mark>138-1234-5678</mark>"
    assert highlight("电话138****5678", words) == "电话<mark>138****5678</mark>"
    assert highlight("wangfang@example.com", words) == "<mark>wangfang@example.com</mark>"
    assert highlight("尊敬的张昊涛您好", words) == "尊敬的<mark>张昊涛</mark>您好"
    assert highlight("电话13912345678", words) == "电话13912345678"


def test_cursor_round_trip():
    day = datetime(2024, 5, 2).date()
    assert decode_cursor(encode_cursor(day, 42)) == (day, 42)
    assert decode_cursor("garbage") is None
    assert decode_cursor("20241399_1") is None


# --- access -------------------------------------------------------------------------------


def test_anonymous_is_sent_to_login(data, client):
    for url in urls(data):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/"), url


def test_user_without_role_sees_nothing(data):
    olga = as_user(data.olga)
    assert listed(olga.get(reverse("qa:results"))) == []
    assert olga.get(reverse("qa:conversation", args=["C-ALICE-TABOO"])).status_code == 404
    assert olga.get(reverse("qa:agent", args=[data.alice_agent.pk])).status_code == 404
    assert olga.get(reverse("qa:me"))["Location"] == reverse("qa:dashboard")
    dashboard = olga.get(reverse("qa:dashboard"), YEAR)
    assert dashboard.status_code == 200
    assert dashboard.context["data"]["totals"]["scored"] == 0
    assert dashboard.context["data"]["top_agents"] == []


def test_agent_sees_only_her_own_results(data):
    alice = as_user(data.alice)
    assert set(listed(alice.get(reverse("qa:results")))) == ALICE
    assert alice.get(reverse("qa:conversation", args=["C-ALICE-TABOO"])).status_code == 200
    for colleague in ("C-BOB-RUDE", "C-SAM-CLEAN", "C-NOT-THERE"):
        assert alice.get(reverse("qa:conversation", args=[colleague])).status_code == 404
    assert alice.get(reverse("qa:agent", args=[data.bob_agent.pk])).status_code == 404
    assert alice.get(reverse("qa:agent", args=[data.sam_agent.pk])).status_code == 404
    me = alice.get(reverse("qa:me"), MAY)
    assert (
        me["Location"]
        == reverse("qa:agent", args=[data.alice_agent.pk]) + "?from=2024-05-01&to=2024-05-31"
    )
    own = alice.get(reverse("qa:agent", args=[data.alice_agent.pk]), YEAR)
    assert own.status_code == 200 and own.context["is_self"]
    # her dashboard counts her own results only; top agents can only be herself
    dashboard = alice.get(reverse("qa:dashboard"), {**YEAR, "indicator": "forbidden_phrase"})
    assert dashboard.context["data"]["totals"]["scored"] == 4
    assert [r["agent"] for r in dashboard.context["data"]["top_agents"]] == [data.alice_agent]
    # a team filter naming another team is refused, not applied
    assert set(listed(alice.get(reverse("qa:results"), {"team": data.pre_sales.pk}))) == ALICE


def test_supervisor_sees_his_teams_results(data):
    sam = as_user(data.sam)
    assert set(listed(sam.get(reverse("qa:results")))) == TEAM_AFTER_SALES
    assert sam.get(reverse("qa:conversation", args=["C-ALICE-PII"])).status_code == 200
    assert sam.get(reverse("qa:conversation", args=["C-BOB-RUDE"])).status_code == 404
    assert sam.get(reverse("qa:agent", args=[data.alice_agent.pk])).status_code == 200
    assert sam.get(reverse("qa:agent", args=[data.sam_agent.pk])).status_code == 200
    assert sam.get(reverse("qa:agent", args=[data.bob_agent.pk])).status_code == 404
    dashboard = sam.get(reverse("qa:dashboard"), YEAR)
    assert dashboard.context["data"]["totals"]["scored"] == 5
    assert "rude_language" not in {i["indicator"] for i in dashboard.context["data"]["indicators"]}


@pytest.mark.parametrize("name", ["quinn", "tina", "mia", "adam"])
def test_department_roles_see_everything(data, name):
    client = as_user(getattr(data, name))
    assert set(listed(client.get(reverse("qa:results")))) == ALL
    for url in urls(data):
        response = client.get(url, YEAR, follow=True)
        assert response.status_code == 200, url
    for agent in (data.alice_agent, data.bob_agent, data.sam_agent):
        assert client.get(reverse("qa:agent", args=[agent.pk])).status_code == 200
    assert client.get(reverse("qa:conversation", args=["C-BOB-RUDE"])).status_code == 200


def test_navigation_and_conversation_detail_link(data):
    alice_page = as_user(data.alice).get("/conversations/").content.decode()
    assert f'href="{reverse("qa:me")}"' in alice_page
    quinn = as_user(data.quinn)
    assert f'href="{reverse("qa:dashboard")}"' in quinn.get("/conversations/").content.decode()
    detail = quinn.get(reverse("interactions:conversation_detail", args=["C-BOB-RUDE"]))
    html = detail.content.decode()
    link = re.search(
        r'<a class="btn btn-secondary" id="qa-result-link" href="([^"]+)">(.*?)</a>', html, re.S
    )
    assert link and link.group(1) == reverse("qa:conversation", args=["C-BOB-RUDE"])
    assert ">0</span>" in link.group(2)  # the fatal result's score
    # a conversation without a result has no link
    QaResult.objects.filter(conversation__external_id="C-SAM-CLEAN").delete()
    plain = quinn.get(reverse("interactions:conversation_detail", args=["C-SAM-CLEAN"]))
    assert 'id="qa-result-link"' not in plain.content.decode()


# --- the results list ------------------------------------------------------------------------


def test_results_are_newest_first_with_scores_and_chips(data):
    response = as_user(data.quinn).get(reverse("qa:results"))
    assert listed(response) == [
        "C-BOB-PHONE", "C-BOB-RUDE", "C-SAM-CLEAN", "C-ALICE-PII", "C-ALICE-CLEAN",
        "C-ALICE-TABOO", "C-ALICE-APRIL",
    ]  # fmt: skip
    assert response.context["total"] == 7
    html = response.content.decode()
    pk = current("C-BOB-RUDE").pk
    row = re.search(rf'<tr data-result="{pk}">(.*?)</tr>', html, re.S)
    assert row, "no row for C-BOB-RUDE"
    assert '<span class="qa-score qa-band-lt60">0</span>' in row.group(1)
    assert "qa-failed" in row.group(1) and "qa-fatal" in row.group(1)
    assert 'data-indicator="rude_language">辱骂或脏话</span>' in row.group(1)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"indicator": "forbidden_phrase"}, {"C-ALICE-TABOO", "C-ALICE-APRIL", "C-BOB-PHONE"}),
        ({"indicator": "forbidden_phrase", "agent": "bob"}, {"C-BOB-PHONE"}),
        ({"indicator": "rude_language"}, {"C-BOB-RUDE"}),
        ({"fatal": "yes"}, {"C-BOB-RUDE", "C-ALICE-PII"}),
        ({"band": "lt60"}, {"score__lt": 60}),
        ({"outcome": "failed", "fatal": "no"}, {"passed": False, "fatal": False}),
        ({"outcome": "passed"}, {"passed": True}),
        ({"band": "80-89"}, {"score__gte": 80, "score__lt": 90}),
        ({"band": "ge90", "agent": "alice"}, {"score__gte": 90, "agent__external_id": "A0007"}),
        ({"severity": "severe", "type": "compliance"}, {"C-ALICE-PII"}),
        ({"type": "compliance"}, {"C-ALICE-PII"}),
        ({"team": "pre_sales"}, {"C-BOB-RUDE", "C-BOB-PHONE"}),
        ({"agent": "alice", **MAY}, ALICE - {"C-ALICE-APRIL"}),
        ({"from": "2024-04-01", "to": "2024-04-30"}, {"C-ALICE-APRIL"}),
        ({"band": "garbage", "indicator": "no_such_rule"}, ALL),  # invalid: shown, not applied
    ],
)
def test_results_filters(data, params, expected):
    ids = {"alice": data.alice_agent.pk, "bob": data.bob_agent.pk, "pre_sales": data.pre_sales.pk}
    query = {k: ids.get(v, v) for k, v in params.items()}
    response = as_user(data.quinn).get(reverse("qa:results"), query)
    assert response.status_code == 200
    if isinstance(expected, dict):  # scores depend on the scorecard: ask the database
        expected = set(
            QaResult.objects.filter(is_current=True, **expected).values_list(
                "conversation__external_id", flat=True
            )
        )
        assert expected and expected != ALL
    assert set(listed(response)) == expected


def test_invalid_filters_are_reported(data):
    response = as_user(data.quinn).get(reverse("qa:results"), {"indicator": "no_such_rule"})
    assert "indicator" in response.context["form"].errors


def test_results_pages_and_htmx_fragment(data, settings):
    settings.KEFU_PAGE_SIZE = 3
    quinn = as_user(data.quinn)
    first = quinn.get(reverse("qa:results"))
    page = first.context["page"]
    assert len(listed(first)) == 3 and page.next_cursor and not page.prev_cursor
    second = quinn.get(reverse("qa:results"), {"after": page.next_cursor})
    third = quinn.get(reverse("qa:results"), {"after": second.context["page"].next_cursor})
    seen = listed(first) + listed(second) + listed(third)
    assert len(seen) == 7 and set(seen) == ALL
    back = quinn.get(reverse("qa:results"), {"before": second.context["page"].prev_cursor})
    assert listed(back) == listed(first)
    fragment = quinn.get(reverse("qa:results"), headers={"HX-Request": "true"})
    html = fragment.content.decode()
    assert html.lstrip().startswith('<section id="results"') and "<html" not in html
    assert fragment["Vary"] and "HX-Request" in fragment["Vary"]


def test_results_list_query_count_does_not_grow_with_rows(
    data, import_records, settings, django_assert_max_num_queries
):
    settings.KEFU_PAGE_SIZE = 50
    mia = as_user(data.mia)
    mia.get(reverse("qa:results"))  # warm the session
    with django_assert_max_num_queries(14):
        few = mia.get(reverse("qa:results"), {"indicator": "forbidden_phrase"})
    import_records(
        *[chat(f"C-MANY-{i:03d}", ("A0007", "A0102")[i % 2], i / 100, TABOO) for i in range(60)]
    )
    with django_assert_max_num_queries(14):
        full = mia.get(reverse("qa:results"), {"indicator": "forbidden_phrase"})
    with django_assert_max_num_queries(14):
        everything = mia.get(reverse("qa:results"))
    assert len(listed(few)) == 3
    assert len(listed(full)) == 50
    assert len(listed(everything)) == 50


# --- the conversation QA page ------------------------------------------------------------------


def test_hits_are_highlighted_on_their_messages(data):
    response = as_user(data.quinn).get(reverse("qa:conversation", args=["C-ALICE-TABOO"]))
    hit_message = message_html(response, "m4")
    evidence = current("C-ALICE-TABOO").hits.get(indicator="forbidden_phrase").evidence
    marked = re.findall(r"<mark>(.*?)</mark>", hit_message)
    assert {"没办法", "你自己看"} <= set(marked)
    assert any("不知道" in m for m in marked)
    for word in evidence_words(evidence):  # every word of the evidence is highlighted
        assert any(word in m for m in marked), word
    assert 'data-indicator="forbidden_phrase"' in hit_message
    assert "服务禁语" in hit_message and evidence in hit_message
    for other in ("m2", "m3", "m5", "m6"):
        assert "<mark>" not in message_html(response, other), other
    for other in ("m1", "m2", "m3", "m5", "m6"):
        assert 'data-indicator="forbidden_phrase"' not in message_html(response, other), other
    # the customer's negative words (sentiment evidence) are highlighted on theirs
    assert re.search(r"<mark>[^<]*失望[^<]*</mark>", message_html(response, "m1"))
    page = response.content.decode()
    # the message is marked, and the hit list links to it
    assert re.search(
        r'<div class="msg msg-agent qa-hit qa-sev-severe" id="msg-4" data-message="m4">', page
    )
    assert 'href="#msg-4"' in page


def test_a_synonym_in_the_text_is_highlighted(data):
    response = as_user(data.quinn).get(reverse("qa:conversation", args=["C-ALICE-APRIL"]))
    assert "<mark>不清楚</mark>" in message_html(response, "m4")


def test_phone_transcript_rows_are_highlighted(data):
    response = as_user(data.quinn).get(reverse("qa:conversation", args=["C-BOB-PHONE"]))
    assert 'class="transcript qa-transcript"' in response.content.decode()
    assert "<mark>不知道</mark>" in message_html(response, "m4")
    assert "<mark>" not in message_html(response, "m2")


def test_personal_data_in_evidence_is_masked_and_unmasked_views_are_audited(data):
    url = reverse("qa:conversation", args=["C-ALICE-PII"])
    masked = as_user(data.quinn).get(url)
    message = message_html(masked, "m4")
    assert "13912345678" not in masked.content.decode()
    assert "<mark>139****5678</mark>" in message
    assert 'data-indicator="agent_pii_leak"' in message
    assert not AuditLog.objects.filter(object_id="C-ALICE-PII").exists()
    clear = as_user(data.mia).get(url)
    assert "<mark>13912345678</mark>" in message_html(clear, "m4")
    log = AuditLog.objects.get(object_id="C-ALICE-PII")
    assert log.action == "view_personal_data" and log.detail == {"page": "qa"}


def test_score_breakdown(data):
    response = as_user(data.quinn).get(reverse("qa:conversation", args=["C-ALICE-TABOO"]))
    summary = response.context["summary"]
    result = current("C-ALICE-TABOO")
    assert summary["result"] == result
    assert summary["scorecard"] == "默认质检标准 v1"
    sections = {s["id"]: s for s in summary["breakdown"]["sections"]}
    taboo = next(i for i in sections["politeness"]["items"] if i["id"] == "taboo")
    points = next(i["points"] for i in result.items if i["item"] == "taboo")
    assert points < 0
    assert taboo == {
        "id": "taboo", "name": "服务禁语", "points": points, "points_text": f"−{-points:g}",
        "fatal": False, "indicators": ["服务禁语"],
    }  # fmt: skip
    # every applied item is shown, and they add up to the score
    shown = sum(s["points"] for s in sections.values())
    assert 100 + shown == result.score
    assert summary["breakdown"]["pass_line"] == "85"
    html = response.content.decode()
    assert '<tr class="qa-item" data-item="taboo">' in html
    fatal = as_user(data.quinn).get(reverse("qa:conversation", args=["C-BOB-RUDE"]))
    assert fatal.context["summary"]["result"].fatal
    assert '<span class="qa-score qa-band-lt60">0</span>' in fatal.content.decode()


def test_history_of_earlier_scorecard_versions(data):
    v1 = default_version()
    definition = dict(v1.definition) | {"pass_line": 95, "version": 2}
    v2 = ScorecardVersion.objects.create(
        scorecard=v1.scorecard, number=2, definition=definition, note="stricter"
    )
    conversation = Conversation.objects.get(external_id="C-ALICE-CLEAN")
    assert score_conversations([conversation.pk], version=v2) == 1
    quinn = as_user(data.quinn)
    url = reverse("qa:conversation", args=["C-ALICE-CLEAN"])
    response = quinn.get(url)
    assert response.context["summary"]["scorecard"] == "默认质检标准 v2"
    history = response.context["history"]
    assert [h["scorecard"] for h in history] == ["默认质检标准 v2", "默认质检标准 v1"]
    assert history[0]["result"].is_current and not history[1]["result"].is_current
    earlier = quinn.get(url, {"result": history[1]["result"].pk})
    assert earlier.context["summary"]["scorecard"] == "默认质检标准 v1"
    assert "qa-chosen" in earlier.content.decode()
    # the list shows the current result only
    listed_ids = listed(quinn.get(reverse("qa:results")))
    assert listed_ids.count("C-ALICE-CLEAN") == 1
    # a result of another conversation cannot be chosen through ?result=
    other = current("C-BOB-RUDE").pk
    assert quinn.get(url, {"result": other}).context["summary"]["scorecard"] == "默认质检标准 v2"


def test_unscored_conversation_says_so(data):
    QaResult.objects.filter(conversation__external_id="C-SAM-CLEAN").delete()
    response = as_user(data.sam).get(reverse("qa:conversation", args=["C-SAM-CLEAN"]))
    assert response.status_code == 200
    assert response.context["summary"] is None
    assert "<mark>" not in response.content.decode()


def test_english_names(data):
    quinn = as_user(data.quinn, language="en")
    page = quinn.get(reverse("qa:results"), {"indicator": "rude_language"}).content.decode()
    assert 'data-indicator="rude_language">Rude language</span>' in page
    qa = quinn.get(reverse("qa:conversation", args=["C-ALICE-TABOO"]))
    assert qa.context["summary"]["scorecard"] == "Default scorecard v1"
    assert "Service taboo phrase" in message_html(qa, "m4")


# --- the per-agent summary ----------------------------------------------------------------------


def test_agent_summary(data):
    response = as_user(data.sam).get(reverse("qa:agent", args=[data.alice_agent.pk]), YEAR)
    summary = response.context["data"]
    results = QaResult.objects.filter(is_current=True, agent=data.alice_agent)
    passed = results.filter(passed=True).count()
    assert summary["totals"]["scored"] == 4
    assert summary["totals"]["passed"] == passed
    assert summary["totals"]["rate"] == compliance_rate(passed, 4)
    assert summary["totals"]["fatal"] == 1
    scores = [r.score for r in results]
    assert summary["totals"]["mean"] == pytest.approx(sum(scores) / 4)
    top = {row["indicator"]: row for row in summary["top"]}
    assert top["forbidden_phrase"]["hits"] == 2
    assert top["forbidden_phrase"]["share_text"] == "50.0 %"
    trend = json_data(response, "qa-trend-data")
    assert trend["months"][3:5] == ["2024-04", "2024-05"]
    april, may = trend["rate"]["values"][3:5]
    assert april == compliance_rate(results.filter(day__month=4, passed=True).count(), 1)
    assert may == round(compliance_rate(results.filter(day__month=5, passed=True).count(), 3), 4)
    assert trend["rate"]["values"][0] is None  # no results in January: a gap, not 0 %


def test_what_the_customers_showed_is_apart_from_the_agents_lapses(data, import_records):
    angry = replaced(CLEAN, 0, "你好，我的退款怎么还没到？！！！气死我了！！！")
    assert import_records(chat("C-ALICE-ANGRY", "A0007", 6, angry)).rejected == 0

    response = as_user(data.alice).get(reverse("qa:agent", args=[data.alice_agent.pk]), YEAR)

    summary = response.context["data"]
    assert "anger" in {row["indicator"] for row in summary["customers"]}
    assert all(row["type"] == "customer_risk" for row in summary["customers"])
    assert all(row["type"] != "customer_risk" for row in summary["top"])
    assert 'id="customer-indicators"' in response.content.decode()


def test_agent_summary_period(data):
    response = as_user(data.alice).get(reverse("qa:agent", args=[data.alice_agent.pk]), MAY)
    assert response.context["data"]["totals"]["scored"] == 3
    default = as_user(data.alice).get(reverse("qa:agent", args=[data.alice_agent.pk]))
    # default: the twelve months ending with the last month with results
    assert (default.context["date_from"].isoformat(), default.context["date_to"].isoformat()) == (
        "2023-06-01", "2024-05-31",
    )  # fmt: skip
    assert default.context["data"]["totals"]["scored"] == 4


# --- the problem dashboard -----------------------------------------------------------------------


def test_dashboard_figures(data):
    response = as_user(data.quinn).get(reverse("qa:dashboard"), YEAR)
    d = response.context["data"]
    results = QaResult.objects.filter(is_current=True)
    passed = results.filter(passed=True).count()
    assert d["totals"]["scored"] == 7
    assert d["totals"]["rate"] == compliance_rate(passed, 7)
    assert d["totals"]["fatal"] == 2
    from kefu.qa.models import QaHit

    hits = QaHit.objects.filter(is_current=True)
    assert d["totals"]["hits"] == hits.count()
    frequency = json_data(response, "qa-frequency-data")
    assert frequency["months"][0] == "2024-01" and len(frequency["months"]) == 12
    may = frequency["months"].index("2024-05")
    by_type = {s["key"]: s["values"][may] for s in frequency["type"]["series"]}
    assert by_type["compliance"] == hits.filter(type="compliance", day__month=5).count() == 1
    assert by_type["attitude"] == hits.filter(type="attitude", day__month=5).count()
    by_severity = {s["key"]: sum(s["values"]) for s in frequency["severity"]["series"]}
    assert by_severity["severe"] == hits.filter(severity="severe").count()
    assert [s["name"] for s in frequency["type"]["series"]][:2] == ["服务态度", "业务知识"]
    heat = json_data(response, "qa-heatmap-data")
    assert heat["severities"] == ["轻微", "一般", "严重"]
    assert sum(c[2] for c in heat["cells"]) == hits.count()
    trend = json_data(response, "qa-trend-data")
    may_results = results.filter(day__month=5)
    assert trend["rate"]["values"][4] == round(
        compliance_rate(may_results.filter(passed=True).count(), may_results.count()), 4
    )
    indicators = {row["indicator"]: row for row in d["indicators"]}
    assert indicators["forbidden_phrase"]["hits"] == 3


def test_dashboard_top_agents_per_indicator(data):
    quinn = as_user(data.quinn)
    response = quinn.get(reverse("qa:dashboard"), {**YEAR, "indicator": "forbidden_phrase"})
    top = response.context["data"]["top_agents"]
    assert [(r["agent"], r["hits"], r["scored"]) for r in top] == [
        (data.alice_agent, 2, 4),
        (data.bob_agent, 1, 2),
    ]
    html = response.content.decode()
    assert f'<a class="agent-link" href="{reverse("qa:agent", args=[data.alice_agent.pk])}?' in html
    rude = quinn.get(reverse("qa:dashboard"), {**YEAR, "indicator": "rude_language"})
    assert [r["agent"] for r in rude.context["data"]["top_agents"]] == [data.bob_agent]
    # a team narrows everything
    team = quinn.get(
        reverse("qa:dashboard"),
        {**YEAR, "indicator": "forbidden_phrase", "team": data.pre_sales.pk},
    )
    assert team.context["data"]["totals"]["scored"] == 2
    assert [r["agent"] for r in team.context["data"]["top_agents"]] == [data.bob_agent]


def test_dashboard_query_budget_and_freshness(data, import_records, django_assert_max_num_queries):
    quinn = as_user(data.quinn)
    quinn.get(reverse("qa:dashboard"))
    query = {**YEAR, "indicator": "forbidden_phrase"}
    with django_assert_max_num_queries(14):  # figures from the roll-ups, no cache
        first = quinn.get(reverse("qa:dashboard"), query)
    # newly scored conversations show at once: scoring updates the roll-ups
    import_records(chat("C-LATE", "A0102", 6, TABOO))
    late = quinn.get(reverse("qa:dashboard"), query).context["data"]
    assert late["totals"]["scored"] == first.context["data"]["totals"]["scored"] + 1
    assert [(r["agent"], r["hits"]) for r in late["top_agents"]][1] == (data.bob_agent, 2)
    # another scope sees its own figures
    sam = as_user(data.sam).get(reverse("qa:dashboard"), query)
    assert sam.context["data"]["totals"]["scored"] == 5
