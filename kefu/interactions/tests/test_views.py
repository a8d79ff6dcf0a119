"""The browsing pages: conversation list and detail, customer timeline; scoping, masking,
auditing, filters, search, paging, HTMX fragments, language."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from conftest import SHANGHAI, native_conversation
from kefu.accounts.models import Agent, Team
from kefu.audit.models import AuditAction, AuditLog
from kefu.interactions.models import Conversation

PHONE = "13812345678"
MASKED_PHONE = "138****5678"
T0 = datetime(2024, 5, 2, 10, 0, tzinfo=SHANGHAI)

LIST_URL = "/conversations/"


def detail_url(external_id: str) -> str:
    return reverse("interactions:conversation_detail", args=[external_id])


def customer_url(external_id: str) -> str:
    return reverse("interactions:customer_detail", args=[external_id])


def customer(cid: str, phone: str = PHONE, name: str = "王芳") -> dict:
    return {"id": cid, "name": name, "phone": phone, "email": "wf@example.com", "segment": "vip"}


def phone_call(**overrides) -> dict:
    """A phone conversation whose messages are transcript segments."""
    created = overrides.pop("created", T0)
    segments = [
        ("agent", 0.0, 4.5, "您好，这里是客服中心，请问有什么可以帮您？"),
        ("customer", 5.2, 9.8, f"我要查一下退款，我的电话是{PHONE}"),
        ("agent", 10.0, 75.4, "好的，已经为您加急处理。"),
    ]
    messages = []
    for i, (role, start, end, text) in enumerate(segments):
        message = {
            "id": f"s{i}",
            "role": role,
            "at": (created + timedelta(seconds=start)).isoformat(),
            "text": text,
            "start_s": start,
            "end_s": end,
        }
        if role == "agent":
            message["agent"] = overrides.get("agent", "A0007")
        messages.append(message)
    return native_conversation(channel="phone", created=created, messages=messages, **overrides)


def open_conversation(**overrides) -> dict:
    """Still open: a conversation with a resolved_at counts as resolved."""
    record = native_conversation(status="open", **overrides)
    del record["resolved_at"]
    return record


@pytest.fixture
def scenario(personas, import_records):
    """alice's chat and phone call with customer U-SHARED (who also wrote to bob by
    e-mail), a conversation of sam's own agent (same team as alice), bob's own customer."""
    cache.clear()  # the category choices are cached between requests
    report = import_records(
        native_conversation(
            id="C-ALICE-CHAT",
            created=T0,
            customer=customer("U-SHARED"),
            complaint=True,
            escalations=[
                {
                    "level": "supervisor",
                    "at": (T0 + timedelta(minutes=3)).isoformat(),
                    "resolved_at": (T0 + timedelta(minutes=12)).isoformat(),
                }
            ],
            transfers=[{"from": "A0001", "to": "A0007", "at": T0.isoformat()}],
            messages=[
                {
                    "id": "m1",
                    "role": "customer",
                    "at": T0.isoformat(),
                    "text": f"我的退款怎么还没到？电话{PHONE}",
                },
                {
                    "id": "m2",
                    "role": "agent",
                    "agent": "A0007",
                    "at": (T0 + timedelta(seconds=18)).isoformat(),
                    "text": "您好，我是客服小李，请问您的订单号是多少？",
                },
                {
                    "id": "m3",
                    "role": "bot",
                    "at": (T0 + timedelta(seconds=60)).isoformat(),
                    "text": "请为本次服务评分",
                },
            ],
            survey={"csat": 4, "nps": 9, "comment": f"很满意，请回电{PHONE}"},
            order={"converted": True, "amount": 199.0, "currency": "CNY"},
        ),
        phone_call(
            id="C-ALICE-PHONE",
            created=T0 + timedelta(days=1),
            customer=customer("U-SHARED"),
            category=["售后", "物流", "物流延误"],
        ),
        native_conversation(
            id="C-BOB-SHARED",
            channel="email",
            agent="A0102",
            created=T0 + timedelta(days=20),
            customer=customer("U-SHARED"),
            category=["咨询", "商品"],
            messages=[
                {
                    "id": "e1",
                    "role": "customer",
                    "at": (T0 + timedelta(days=20)).isoformat(),
                    "text": "请问发票怎么开？",
                },
            ],
        ),
        open_conversation(
            id="C-SAM-TEAM",
            agent="A0001",
            created=T0 + timedelta(days=2),
            customer=customer("U-TEAM", phone="13900001111", name="李雷"),
            category=["咨询", "活动", "优惠券"],
            messages=[
                {
                    "id": "m1",
                    "role": "customer",
                    "at": (T0 + timedelta(days=2)).isoformat(),
                    "text": "优惠券用不了",
                },
            ],
        ),
        native_conversation(
            id="C-BOB",
            agent="A0102",
            created=T0 + timedelta(days=3),
            customer=customer("U-BOB", phone="13700002222", name="韩梅梅"),
            category=["咨询", "活动"],
            messages=[
                {
                    "id": "m1",
                    "role": "customer",
                    "at": (T0 + timedelta(days=3)).isoformat(),
                    "text": "物流太慢了",
                },
            ],
        ),
    )
    assert report.rejected == 0, report.errors
    return personas


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def listed_ids(response) -> list[str]:
    """Conversation ids in the list table, in order."""
    html = response.content.decode()
    return re.findall(r'<td class="nowrap"><a href="/conversations/([^/]+)/">', html)


# --- conversation list: scoping ------------------------------------------------------


def test_anonymous_is_sent_to_login(scenario, client):
    for url in (LIST_URL, detail_url("C-ALICE-CHAT"), customer_url("U-SHARED")):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")


def test_agent_lists_only_her_own_conversations(scenario):
    ids = listed_ids(as_user(scenario.alice).get(LIST_URL))
    assert ids == ["C-ALICE-PHONE", "C-ALICE-CHAT"]


def test_agent_gets_404_for_a_colleagues_conversation(scenario):
    alice = as_user(scenario.alice)
    assert alice.get(detail_url("C-BOB")).status_code == 404
    assert alice.get(detail_url("C-BOB-SHARED")).status_code == 404
    assert alice.get(detail_url("C-ALICE-CHAT")).status_code == 200


def test_supervisor_sees_his_team_but_not_another(scenario):
    sam = as_user(scenario.sam)
    assert set(listed_ids(sam.get(LIST_URL))) == {"C-ALICE-CHAT", "C-ALICE-PHONE", "C-SAM-TEAM"}
    assert sam.get(detail_url("C-ALICE-CHAT")).status_code == 200
    assert sam.get(detail_url("C-BOB")).status_code == 404


@pytest.mark.parametrize("name", ["quinn", "tina", "mia", "adam"])
def test_department_wide_roles_see_everything(scenario, name):
    client = as_user(getattr(scenario, name))
    assert len(listed_ids(client.get(LIST_URL))) == Conversation.objects.count() == 5
    assert client.get(detail_url("C-BOB")).status_code == 200


def test_user_without_role_sees_nothing(scenario):
    olga = as_user(scenario.olga)
    response = olga.get(LIST_URL)
    assert response.status_code == 200
    assert listed_ids(response) == []
    assert "没有符合筛选条件的会话" in response.content.decode()
    assert olga.get(detail_url("C-ALICE-CHAT")).status_code == 404
    assert olga.get(customer_url("U-SHARED")).status_code == 404


def test_filter_choices_are_limited_to_the_scope(scenario):
    form = as_user(scenario.alice).get(LIST_URL).context["form"]
    assert list(form.fields["agent"].queryset) == [Agent.objects.get(external_id="A0007")]
    assert [t.name for t in form.fields["team"].queryset] == ["售后一组"]


def test_an_out_of_scope_agent_filter_is_rejected_not_applied(scenario):
    bob_agent = Agent.objects.get(external_id="A0102")
    response = as_user(scenario.alice).get(LIST_URL, {"agent": bob_agent.pk})
    assert response.context["form"].errors["agent"]
    assert listed_ids(response) == ["C-ALICE-PHONE", "C-ALICE-CHAT"]


# --- filters and search -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"channel": "phone"}, {"C-ALICE-PHONE"}),
        ({"channel": "email"}, {"C-BOB-SHARED"}),
        ({"status": "open"}, {"C-SAM-TEAM"}),
        ({"complaint": "yes"}, {"C-ALICE-CHAT"}),
        ({"escalated": "yes"}, {"C-ALICE-CHAT"}),
        ({"escalated": "no", "channel": "chat"}, {"C-SAM-TEAM", "C-BOB"}),
        ({"category1": "咨询"}, {"C-BOB-SHARED", "C-BOB", "C-SAM-TEAM"}),
        ({"category1": "售后", "category2": "物流"}, {"C-ALICE-PHONE"}),
        ({"category2": "不存在的问题"}, set()),
        ({"date_from": "2024-05-04", "date_to": "2024-05-05"}, {"C-SAM-TEAM", "C-BOB"}),
        ({"q": "退款"}, {"C-ALICE-CHAT", "C-ALICE-PHONE"}),
        ({"q": "退款", "channel": "chat"}, {"C-ALICE-CHAT"}),
        ({"q": "物流"}, {"C-BOB", "C-ALICE-PHONE"}),  # text or category
        ({"q": "物流太慢"}, {"C-BOB"}),
        ({"q": "发票"}, {"C-BOB-SHARED"}),
        ({"q": "冰箱"}, set()),
        ({"q": "nonexistentword"}, set()),
    ],
)
def test_filters_and_search(scenario, params, expected):
    response = as_user(scenario.mia).get(LIST_URL, params)
    assert response.status_code == 200
    assert set(listed_ids(response)) == expected


def test_team_and_agent_filters(scenario):
    mia = as_user(scenario.mia)
    team = Team.objects.get(name="售前一组")
    assert set(listed_ids(mia.get(LIST_URL, {"team": team.pk}))) == {"C-BOB", "C-BOB-SHARED"}
    agent = Agent.objects.get(external_id="A0001")
    assert listed_ids(mia.get(LIST_URL, {"agent": agent.pk})) == ["C-SAM-TEAM"]


def test_search_stays_inside_the_scope(scenario):
    assert listed_ids(as_user(scenario.alice).get(LIST_URL, {"q": "物流太慢"})) == []


def test_date_filter_uses_china_time(personas, import_records):
    # 00:30 in Shanghai on 3 May is still 2 May in UTC.
    import_records(
        native_conversation(id="C-MIDNIGHT", created=datetime(2024, 5, 3, 0, 30, tzinfo=SHANGHAI))
    )
    mia = as_user(personas.mia)
    assert listed_ids(mia.get(LIST_URL, {"date_from": "2024-05-03"})) == ["C-MIDNIGHT"]
    assert listed_ids(mia.get(LIST_URL, {"date_to": "2024-05-02"})) == []
    assert listed_ids(mia.get(LIST_URL, {"date_to": "2024-05-03"})) == ["C-MIDNIGHT"]


def test_htmx_request_gets_only_the_results_fragment(scenario):
    response = as_user(scenario.mia).get(LIST_URL, {"channel": "phone"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "<html" not in html
    assert html.lstrip().startswith('<section id="results"')
    assert listed_ids(response) == ["C-ALICE-PHONE"]
    assert "HX-Request" in response["Vary"]


def test_category_choices_come_from_the_data(scenario):
    html = as_user(scenario.alice).get(LIST_URL).content.decode()
    assert '<option value="售后">售后</option>' in html
    assert '<optgroup label="售后">' in html
    assert '<option value="退款">退款</option>' in html


def test_full_page_has_the_htmx_filter_form(scenario):
    html = as_user(scenario.mia).get(LIST_URL).content.decode()
    assert 'hx-get="/conversations/"' in html
    assert 'hx-push-url="true"' in html
    assert "/static/vendor/htmx.min.js" in html


# --- paging ------------------------------------------------------------------------------


@pytest.fixture
def many(personas, import_records, settings):
    settings.KEFU_PAGE_SIZE = 5
    # 13 conversations, several sharing one timestamp: the pk breaks the tie.
    records = [
        native_conversation(id=f"C-P{i:02d}", created=T0 + timedelta(hours=i // 3))
        for i in range(13)
    ]
    import_records(*records)
    return personas


def next_link(response, rel: str) -> str | None:
    match = re.search(rf'rel="{rel}" href="([^"]+)"', response.content.decode())
    return match.group(1).replace("&amp;", "&") if match else None


def test_paging_walks_every_row_once_and_back(many):
    mia = as_user(many.mia)
    pages = [mia.get(LIST_URL)]
    assert "共 13 条会话" in pages[0].content.decode()
    assert next_link(pages[0], "prev") is None
    while link := next_link(pages[-1], "next"):
        pages.append(mia.get(LIST_URL + link))
    seen = [cid for page in pages for cid in listed_ids(page)]
    assert len(pages) == 3
    assert [len(listed_ids(p)) for p in pages] == [5, 5, 3]
    assert sorted(seen) == sorted(f"C-P{i:02d}" for i in range(13))
    # Newest first, ties in pk order descending.
    expected = list(
        Conversation.objects.order_by("-created_at", "-pk").values_list("external_id", flat=True)
    )
    assert seen == expected
    back = mia.get(LIST_URL + next_link(pages[2], "prev"))
    assert listed_ids(back) == listed_ids(pages[1])
    first = mia.get(LIST_URL + next_link(back, "prev"))
    assert listed_ids(first) == listed_ids(pages[0])
    assert next_link(first, "prev") is None


def test_paging_keeps_the_filters(many):
    mia = as_user(many.mia)
    Conversation.objects.filter(external_id__in=["C-P00", "C-P05", "C-P07"]).update(channel="phone")
    first = mia.get(LIST_URL, {"channel": "chat"})
    link = next_link(first, "next")
    assert "channel=chat" in link
    second = mia.get(LIST_URL + link)
    assert set(listed_ids(first) + listed_ids(second)).isdisjoint({"C-P00", "C-P05", "C-P07"})


def test_malformed_cursor_shows_the_first_page(many):
    response = as_user(many.mia).get(LIST_URL, {"after": "garbage"})
    assert response.status_code == 200
    assert len(listed_ids(response)) == 5


def test_list_query_count_does_not_grow_with_rows(personas, import_records, settings,
                                                  django_assert_max_num_queries):  # fmt: skip
    settings.KEFU_PAGE_SIZE = 50
    import_records(*[native_conversation(id=f"C-Q{i:03d}") for i in range(3)])
    mia = as_user(personas.mia)
    mia.get(LIST_URL)  # warm the session
    with django_assert_max_num_queries(14):
        few = mia.get(LIST_URL)
    import_records(
        *[native_conversation(id=f"C-Q{i:03d}", agent=("A0007", "A0102")[i % 2])
          for i in range(3, 60)]
    )  # fmt: skip
    with django_assert_max_num_queries(14):
        full = mia.get(LIST_URL)
    assert len(listed_ids(few)) == 3
    assert len(listed_ids(full)) == 50


# --- conversation detail ----------------------------------------------------------------


def test_detail_shows_chat_bubbles_and_header(scenario):
    html = as_user(scenario.alice).get(detail_url("C-ALICE-CHAT")).content.decode()
    assert 'class="msg msg-customer"' in html
    assert 'class="msg msg-agent"' in html
    assert 'class="msg msg-bot"' in html
    assert "李娜" in html  # the author agent
    assert "售后" in html and "退款到账慢" in html
    assert "投诉" in html and "已升级" in html
    assert "张伟" in html  # transfer from A0001
    assert "9 分 0 秒" in html  # escalation duration
    assert "199.00 CNY" in html
    assert "很满意" in html
    assert "18 秒" in html  # first response time


def test_phone_transcript_is_a_table_with_offsets(scenario):
    html = as_user(scenario.alice).get(detail_url("C-ALICE-PHONE")).content.decode()
    assert '<table class="transcript">' in html
    assert "通话转写" in html
    assert "00:05 – 00:10" in html  # 5.2 s → 9.8 s, rounded
    assert "00:10 – 01:15" in html  # 75.4 s
    assert "65.4 秒" in html  # the segment's duration
    assert 'class="msg ' not in html


def test_agent_sees_masked_personal_data_and_no_audit(scenario):
    html = as_user(scenario.alice).get(detail_url("C-ALICE-CHAT")).content.decode()
    assert MASKED_PHONE in html
    assert PHONE not in html
    assert "w***@example.com" in html
    assert "王*" in html
    assert not AuditLog.objects.filter(action=AuditAction.VIEW_PERSONAL_DATA).exists()


def test_manager_sees_full_data_and_the_view_is_audited(scenario):
    html = as_user(scenario.mia).get(detail_url("C-ALICE-CHAT")).content.decode()
    assert PHONE in html
    assert "wf@example.com" in html
    entry = AuditLog.objects.get(action=AuditAction.VIEW_PERSONAL_DATA, object_type="conversation")
    assert entry.user == scenario.mia
    assert entry.object_id == "C-ALICE-CHAT"


def test_qa_sees_every_conversation_but_masked(scenario):
    html = as_user(scenario.quinn).get(detail_url("C-BOB")).content.decode()
    assert "137****2222" in html
    assert "13700002222" not in html


def test_list_masks_names_by_permission_and_audits_unmasked(scenario):
    alice_html = as_user(scenario.alice).get(LIST_URL).content.decode()
    assert "王*" in alice_html and "王芳" not in alice_html
    assert not AuditLog.objects.filter(action=AuditAction.VIEW_PERSONAL_DATA).exists()
    mia_html = as_user(scenario.mia).get(LIST_URL).content.decode()
    assert "王芳" in mia_html
    entry = AuditLog.objects.get(object_type="conversation_list")
    assert entry.detail["customers"] == ["U-BOB", "U-SHARED", "U-TEAM"]


# --- customer page --------------------------------------------------------------------


def test_customer_timeline_spans_channels_for_a_manager(scenario):
    response = as_user(scenario.mia).get(customer_url("U-SHARED"))
    html = response.content.decode()
    entries = response.context["entries"]
    assert [e.conversation.external_id for e in entries] == [
        "C-BOB-SHARED",
        "C-ALICE-PHONE",
        "C-ALICE-CHAT",
    ]
    for label in ("在线聊天", "电话", "邮件"):
        assert label in html
    assert PHONE in html
    assert response.context["summary"]["total"] == 3
    assert response.context["summary"]["complaints"] == 1
    assert AuditLog.objects.filter(object_type="customer", object_id="U-SHARED").count() == 1
    chart = response.context["chart"]
    assert chart["months"] == ["2024-05"]
    assert [s["data"] for s in chart["series"]] == [[1], [1], [1], [0]]
    assert 'id="contacts-chart-data"' in html
    assert "/static/vendor/echarts.min.js" in html


def test_customer_page_shows_only_the_agents_own_contacts(scenario):
    response = as_user(scenario.alice).get(customer_url("U-SHARED"))
    html = response.content.decode()
    ids = [e.conversation.external_id for e in response.context["entries"]]
    assert ids == ["C-ALICE-PHONE", "C-ALICE-CHAT"]
    assert "C-BOB-SHARED" not in html
    assert response.context["summary"]["total"] == 2
    assert MASKED_PHONE in html and PHONE not in html
    assert not AuditLog.objects.filter(action=AuditAction.VIEW_PERSONAL_DATA).exists()


def test_customer_page_is_404_outside_the_scope(scenario):
    assert as_user(scenario.alice).get(customer_url("U-BOB")).status_code == 404
    assert as_user(scenario.bob).get(customer_url("U-TEAM")).status_code == 404
    assert as_user(scenario.bob).get(customer_url("U-SHARED")).status_code == 200
    assert as_user(scenario.mia).get(customer_url("U-NOBODY")).status_code == 404


def test_timeline_previews_the_first_customer_message_masked(scenario):
    entries = as_user(scenario.alice).get(customer_url("U-SHARED")).context["entries"]
    chat = next(e for e in entries if e.conversation.external_id == "C-ALICE-CHAT")
    assert chat.preview == f"我的退款怎么还没到？电话{MASKED_PHONE}"


def test_repeat_contacts_within_seven_days_are_marked(scenario):
    response = as_user(scenario.mia).get(customer_url("U-SHARED"))
    gaps = {e.conversation.external_id: e.repeat_after for e in response.context["entries"]}
    # the phone call came 1 day after the chat; the e-mail 19 days after the call.
    assert gaps == {"C-BOB-SHARED": None, "C-ALICE-PHONE": timedelta(days=1), "C-ALICE-CHAT": None}
    html = response.content.decode()
    assert html.count('class="repeat-marker"') == 1
    assert "7 天内重复联络（距上次 24 小时 0 分）" in html


# --- language -------------------------------------------------------------------------


def test_chinese_is_the_default_even_for_an_english_browser(scenario):
    response = as_user(scenario.mia).get(LIST_URL, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    html = response.content.decode()
    assert response["Content-Language"] == "zh-hans"
    assert '<html lang="zh-CN">' in html
    assert ">会话</a>" in html and ">审计日志</a>" not in html
    assert "导入" in html  # mia may import


def test_english_after_switching_language(scenario):
    mia = as_user(scenario.mia)
    switched = mia.post("/i18n/setlang/", {"language": "en", "next": LIST_URL})
    assert switched.status_code == 302
    html = mia.get(LIST_URL).content.decode()
    assert ">Conversations</a>" in html
    assert ">Import</a>" in html
    assert "会话</a>" not in html
    mia.cookies["django_language"] = "zh-hans"
    assert ">会话</a>" in mia.get(LIST_URL).content.decode()


def test_nav_shows_roles_and_links_by_permission(scenario):
    alice_html = as_user(scenario.alice).get(LIST_URL).content.decode()
    assert '<span class="role-chip">客服</span>' in alice_html
    assert "/imports/" not in alice_html and "/audit/" not in alice_html
    assert 'href="/api/docs"' in alice_html
    adam_html = as_user(scenario.adam).get(LIST_URL).content.decode()
    assert '<span class="role-chip">管理员</span>' in adam_html
    assert 'href="/audit/"' in adam_html and 'href="/imports/"' in adam_html


def test_404_page_is_translated(scenario):
    mia = as_user(scenario.mia)
    assert "页面不存在" in mia.get(detail_url("NOPE")).content.decode()
    mia.cookies["django_language"] = "en"
    assert "Page not found" in mia.get(detail_url("NOPE")).content.decode()


def test_login_page_and_home_redirect(scenario, client):
    page = client.get("/accounts/login/")
    assert page.status_code == 200
    assert "登录" in page.content.decode()
    response = client.post("/accounts/login/", {"username": "alice", "password": "pw-alice"})
    assert response.status_code == 302
    home = client.get("/")
    assert home.status_code == 302 and home["Location"] == LIST_URL
