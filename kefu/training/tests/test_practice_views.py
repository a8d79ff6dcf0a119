"""Practice with simulated customers: loading the shipped scenarios, a practice from start
to QA result, the score equal to `kefu qa score` on the exported transcript, the pages for
each role (another agent's practice: 404), the trainers' editor and the error rates."""

from __future__ import annotations

import io
import json
import re
from datetime import date, datetime, timedelta

import pytest
import yaml
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from conftest import SHANGHAI, client_for
from kefu.accounts.models import Agent
from kefu.lib.errors import Conflict, Invalid, NotAllowed, NotFound
from kefu.training.actions import practice as actions
from kefu.training.choices import PracticeStatus
from kefu.training.models import Practice, Scenario

T0 = datetime(2024, 5, 6, 10, 0, tzinfo=SHANGHAI)
GOOD = [
    "您好，非常抱歉让您久等了，跟您确认一下，麻烦提供一下订单号，我马上帮您查一下。",
    "非常抱歉，查到是仓库缺货，已从华东仓调货，明天上午就能发出，顺丰次日达。",
    "理解您的心情，给您补偿一张20元无门槛券，如果您不想等也可以为您取消订单全额退款。",
    "感谢您的理解，还有什么可以帮您的吗？祝您生活愉快！",
]


@pytest.fixture
def scenarios(db):
    return actions.sync_builtin_scenarios()


def play(user, replies, *, code="logistics-delay", seed=3, gaps=None, finish=True) -> Practice:
    """A practice with replies sent at T0 + gaps (seconds after the customer's line)."""
    scenario = Scenario.objects.get(code=code)
    practice = actions.start_practice(user, scenario, seed=seed, now=T0)
    at = T0
    for n, reply in enumerate(replies):
        at += timedelta(seconds=(gaps or [15] * len(replies))[n])
        practice, _step = actions.send_turn(user, practice.pk, reply, now=at)
        if practice.status != PracticeStatus.ACTIVE:
            return practice
    if finish:
        practice = actions.finish_practice(user, practice.pk, now=at + timedelta(seconds=5))
    return practice


# --- loading the shipped scenarios ----------------------------------------------------------
def test_it_loads_the_shipped_scenarios_idempotently(db):
    Scenario.objects.all().delete()
    first = actions.sync_builtin_scenarios()
    assert len(first.created) == 20 and not first.updated
    row = Scenario.objects.get(code="refund-slow")
    assert row.builtin and row.area.code == "basic" and row.title.startswith("退款到账慢")
    stamp = row.updated_at
    again = actions.sync_builtin_scenarios()
    assert (len(again.unchanged), again.created, again.updated) == (20, [], [])
    row.refresh_from_db()
    assert row.updated_at == stamp  # nothing written


def test_a_changed_file_updates_its_builtin_row_but_never_a_trainer_s_version(scenarios, personas):
    stale = Scenario.objects.get(code="invoice")
    stale.graph = dict(stale.graph) | {"title": "旧的标题"}
    stale.title = "旧的标题"
    stale.active = False
    stale.save()
    mine = Scenario.objects.get(code="refund-slow")
    actions.save_scenario(personas.tina, dict(mine.graph) | {"title": "我的退款场景"}, mine)
    report = actions.sync_builtin_scenarios()
    assert report.updated == ["invoice"] and report.kept == ["refund-slow"]
    stale.refresh_from_db()
    assert stale.title.startswith("发票开具") and stale.active is False  # active is the trainers'
    mine.refresh_from_db()
    assert mine.title == "我的退款场景" and not mine.builtin


def test_the_command_reports_what_it_did(scenarios):
    out = io.StringIO()
    call_command("training", "load_scenarios", stdout=out)
    assert "0 created, 0 updated, 20 unchanged" in out.getvalue()


# --- a practice ------------------------------------------------------------------------------
def test_an_agent_practises_to_the_goal_and_is_scored(scenarios, personas):
    practice = play(personas.alice, GOOD)
    assert practice.status == PracticeStatus.FINISHED and practice.goal_reached is True
    lines = practice.transcript
    assert [line["role"] for line in lines] == ["customer", "agent"] * 4
    assert [line.get("node") for line in lines[::2]] == [
        "open",
        "gave_details",
        "offer",
        "resolved",
    ]
    # customer lines are stamped when shown, the agent's when sent
    assert lines[1]["at"] == (T0 + timedelta(seconds=15)).isoformat()
    assert practice.checks == 20
    assert practice.qa_breakdown["scorecard"] == "default"
    assert float(practice.qa_score) == practice.qa_breakdown["score"]
    assert practice.errors == len(practice.qa_breakdown["failed"])
    assert practice.qa_score >= 85


def test_a_bad_practice_scores_low_and_the_customer_leaves(scenarios, personas):
    practice = play(
        personas.alice, ["请您耐心等待，很快就会发货的。", "嗯", "我不知道。"], gaps=[45, 70, 20]
    )
    # impatient → angry (no answer) → complaint: the customer left, the practice ended
    assert practice.status == PracticeStatus.FINISHED and practice.goal_reached is False
    assert practice.node == "complaint"
    failed = set(practice.qa_breakdown["failed"])
    assert {"greeting", "first_response", "reply_wait"} <= failed
    assert practice.errors >= 5 and practice.qa_score < 85


def test_the_practice_score_equals_kefu_qa_score_on_the_exported_transcript(
    scenarios, personas, tmp_path
):
    practice = play(
        personas.alice,
        ["请您耐心等待", "非常抱歉，明天上午一定发出，发出后短信通知您单号。", *GOOD[2:]],
        gaps=[40, 75, 20, 10],
    )
    # given the transcript exported as native JSONL from the practice page
    response = client_for(personas.alice).get(
        reverse("training:practice_export", args=[practice.pk])
    )
    assert response.status_code == 200
    path = tmp_path / "practice.jsonl"
    path.write_bytes(response.content)
    # when `kefu qa score` scores the file
    out = io.StringIO()
    call_command("qa", "score", str(path), stdout=out, stderr=io.StringIO())
    scored = json.loads(out.getvalue())
    # then it finds the practice's score, verdict and hits
    assert scored["conversation"] == f"PRACTICE-{practice.pk}"
    assert scored["score"] == float(practice.qa_score)
    assert scored["passed"] == practice.qa_breakdown["passed"]
    stored = [{k: h[k] for k in scored["hits"][0]} for h in practice.qa_breakdown["hits"]]
    assert scored["hits"] == stored
    assert len(stored) >= 3  # slow replies, greeting …: a score worth comparing


def test_replies_are_refused_when_empty_too_long_or_finished(scenarios, personas):
    scenario = Scenario.objects.get(code="refund-slow")
    practice = actions.start_practice(personas.alice, scenario, seed=1, now=T0)
    with pytest.raises(Invalid):
        actions.send_turn(personas.alice, practice.pk, "   ")
    with pytest.raises(Invalid):
        actions.send_turn(personas.alice, practice.pk, "好" * (actions.MAX_REPLY + 1))
    actions.finish_practice(personas.alice, practice.pk)
    with pytest.raises(Conflict):
        actions.send_turn(personas.alice, practice.pk, "您好")
    with pytest.raises(Conflict):
        actions.finish_practice(personas.alice, practice.pk)


def test_only_the_practising_agent_writes_a_practice(scenarios, personas):
    practice = play(personas.alice, GOOD[:1], finish=False)
    for who in (personas.bob, personas.sam, personas.tina, personas.adam):
        with pytest.raises(NotFound):
            actions.send_turn(who, practice.pk, "您好")
        with pytest.raises(NotFound):
            actions.finish_practice(who, practice.pk)


def test_a_log_in_without_an_agent_cannot_practise(scenarios, personas):
    with pytest.raises(NotAllowed):
        actions.start_practice(personas.tina, Scenario.objects.get(code="invoice"))


def test_an_inactive_scenario_cannot_be_practised(scenarios, personas):
    scenario = Scenario.objects.get(code="invoice")
    actions.set_active(personas.tina, scenario, False)
    with pytest.raises(NotFound):
        actions.start_practice(personas.alice, scenario)
    assert (
        client_for(personas.alice)
        .get(reverse("training:practice_scenario", args=["invoice"]))
        .status_code
        == 404
    )
    assert (
        client_for(personas.tina)
        .get(reverse("training:practice_scenario", args=["invoice"]))
        .status_code
        == 200
    )


def test_a_practice_keeps_the_definition_it_started_with(scenarios, personas):
    practice = play(personas.alice, [], finish=False)
    scenario = Scenario.objects.get(code="logistics-delay")
    changed = dict(scenario.graph) | {"max_turns": 2}
    actions.save_scenario(personas.tina, changed, scenario)
    practice.refresh_from_db()
    assert practice.graph["max_turns"] == 8


# --- pages -------------------------------------------------------------------------------------
def test_the_workspace_posts_a_reply_and_shows_the_customer_s_answer(scenarios, personas):
    client = client_for(personas.alice)
    response = client.post(reverse("training:practice_start", args=["logistics-delay"]))
    practice = Practice.objects.get(agent__external_id="A0007")
    assert response.status_code == 302 and response.url == reverse(
        "training:practice_run", args=[practice.pk]
    )
    page = client.get(response.url)
    assert page.status_code == 200 and b'id="tp-reply-form"' in page.content
    assert practice.transcript[0]["text"].encode() in page.content
    turn = reverse("training:practice_turn", args=[practice.pk])
    answer = client.post(turn, {"text": GOOD[0]}, HTTP_HX_REQUEST="true")
    assert answer.status_code == 200
    assert answer.templates[0].name == "training/practice/partials/panel.html"
    practice.refresh_from_db()
    assert practice.node == "gave_details"
    assert practice.transcript[-1]["text"].encode() in answer.content
    # without HTMX the form posts and redirects back
    assert client.post(turn, {"text": GOOD[1]}).status_code == 302


def test_the_result_page_shows_the_qa_breakdown(scenarios, personas):
    practice = play(personas.alice, ["请您耐心等待", "嗯", "我不知道。"], gaps=[45, 70, 20])
    page = client_for(personas.alice).get(reverse("training:practice_run", args=[practice.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="qa-breakdown"' in html and 'data-item="greeting"' in html
    assert 'data-indicator="forbidden_phrase"' in html and "出现: 我不知道" in html
    assert "<mark>我不知道</mark>" in html  # the evidence highlighted on the message
    assert 'class="tp-check-failed" data-item="first_response"' in html
    assert "只让客户等、没有任何信息，客户更着急" in html  # why the customer reacted so
    assert "客户第二次追问仍没有得到具体时间，情绪升级" in html  # … also when no route held


@pytest.mark.parametrize(
    "who,status", [("alice", 200), ("sam", 200), ("tina", 200), ("mia", 200), ("bob", 404),
                   ("quinn", 404), ("olga", 404)],
)  # fmt: skip
def test_who_sees_a_practice(scenarios, personas, who, status):
    practice = play(personas.alice, GOOD)
    client = client_for(getattr(personas, who))
    assert client.get(reverse("training:practice_run", args=[practice.pk])).status_code == status
    assert client.get(reverse("training:practice_export", args=[practice.pk])).status_code == status


@pytest.mark.parametrize("who", ["bob", "sam", "tina", "olga"])
def test_another_user_cannot_post_to_my_practice(scenarios, personas, who):
    practice = play(personas.alice, [], finish=False)
    client = client_for(getattr(personas, who))
    turn = reverse("training:practice_turn", args=[practice.pk])
    finish = reverse("training:practice_finish", args=[practice.pk])
    assert client.post(turn, {"text": "您好"}).status_code == 404
    assert client.post(finish).status_code == 404
    practice.refresh_from_db()
    assert len(practice.transcript) == 1 and practice.status == PracticeStatus.ACTIVE


def test_anonymous_users_are_sent_to_log_in(scenarios):
    for name in ("training:practice", "training:practice_history", "training:practice_rates"):
        response = Client().get(reverse(name))
        assert response.status_code == 302 and "/accounts/login/" in response.url


def test_the_scenario_list_for_agents_and_trainers(scenarios, personas):
    page = client_for(personas.alice).get(reverse("training:practice"))
    assert page.status_code == 200 and page.content.count(b'data-scenario="') == 20
    assert b"training/practice/scenarios/logistics-delay/start/" in page.content
    trainer = client_for(personas.tina).get(reverse("training:practice"))
    assert b"practice/scenarios/new/" in trainer.content
    assert b"/start/" not in trainer.content  # tina is not an agent


def test_trainees_see_the_brief_trainers_the_graph(scenarios, personas):
    url = reverse("training:practice_scenario", args=["logistics-delay"])
    agent = client_for(personas.alice).get(url).content.decode()
    trainer = client_for(personas.tina).get(url).content.decode()
    assert "2024050212" in agent and 'id="tp-graph"' not in agent
    assert 'id="tp-graph"' in trainer and 'data-node="gave_details"' in trainer


def test_the_editor_is_for_trainers(scenarios, personas):
    for who in ("alice", "sam", "quinn"):
        client = client_for(getattr(personas, who))
        assert client.get(reverse("training:practice_scenario_new")).status_code == 403
        url = reverse("training:practice_scenario_edit", args=["invoice"])
        assert client.post(url, {"definition": "code: x"}).status_code == 403
    page = client_for(personas.tina).get(reverse("training:practice_scenario_new"))
    assert page.status_code == 200 and "code: my-scenario" in page.content.decode()


def test_the_editor_lists_every_problem_in_the_users_language(scenarios, personas):
    client = client_for(personas.tina)  # a Chinese user (the default language)
    url = reverse("training:practice_scenario_new")
    broken = client.post(url, {"definition": "code: [unclosed"})
    assert broken.status_code == 422
    assert "第 2 行第 1 列：不是有效的 YAML/JSON" in broken.content.decode()
    text = """
code: my-test
title: 测试
goal: 解决
start: open
nodes:
  open: {say: [你好], routes: [{to: nowhere, keywords: [好]}], otherwise: open}
  done: {goal: true, say: [谢谢]}
"""
    answer = client.post(url, {"definition": text})
    html = answer.content.decode()
    assert answer.status_code == 422
    assert "节点 open: routes[0].to" in html and "没有名为 &#x27;nowhere&#x27; 的节点" in html
    assert "没有结束节点" in html  # every problem at once
    assert "no node named" not in html and "no end node" not in html
    assert not Scenario.objects.filter(code="my-test").exists()
    # the API says it in Chinese too (its `field` stays the key path)
    api = client.post(
        "/api/v1/training/scenarios",
        json.dumps({"definition": yaml.safe_load(text)}),
        content_type="application/json",
    )
    assert api.status_code == 422
    errors = {e["field"]: e["reason"] for e in api.json()["errors"]}
    assert errors["node open: routes[0].to"] == "没有名为 'nowhere' 的节点"
    # an English user reads English
    english = client_for(personas.tina)
    english.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = english.post(url, {"definition": text}).content.decode()
    assert "node open: routes[0].to" in html and "no node named &#x27;nowhere&#x27;" in html


def test_every_scenario_problem_has_a_chinese_sentence():
    """Each reason the dialogue core can give (its English templates, the msgids) is
    translated, with the same parameters."""
    import ast
    import inspect

    from django.utils import translation

    from kefu.training.core import dialogue

    def literal(arg: ast.expr) -> str | None:
        """The template: a literal, or one marked `gettext_noop("…")` for makemessages."""
        if isinstance(arg, ast.Call) and getattr(arg.func, "id", None) == "gettext_noop":
            arg = arg.args[0]
        return arg.value if isinstance(arg, ast.Constant) else None

    templates = {
        literal(node.args[1])
        for node in ast.walk(ast.parse(inspect.getsource(dialogue)))
        if isinstance(node, ast.Call)
        and getattr(node.func, "id", None) == "Problem"
        and len(node.args) > 1
    } - {None}
    assert len(templates) > 30
    with translation.override("zh-hans"):
        for template in sorted(templates):
            zh = translation.gettext(template)
            assert zh != template, f"no Chinese for {template!r}"
            assert sorted(re.findall(r"%\((\w+)\)s", zh)) == sorted(
                re.findall(r"%\((\w+)\)s", template)
            ), template


def test_a_trainer_creates_edits_and_copies_a_scenario(scenarios, personas):
    client = client_for(personas.tina)
    source = Scenario.objects.get(code="invoice")
    from kefu.training.core.scenario_files import dump_text

    text = dump_text(dict(source.graph) | {"code": "invoice-vip", "title": "VIP 发票"})
    created = client.post(reverse("training:practice_scenario_new"), {"definition": text})
    assert created.status_code == 302
    mine = Scenario.objects.get(code="invoice-vip")
    assert not mine.builtin and mine.area.code == "basic"
    edit = reverse("training:practice_scenario_edit", args=["invoice"])
    form = client.get(edit)
    assert form.status_code == 200 and "code: invoice" in form.content.decode()
    changed = dump_text(dict(source.graph) | {"goal": "新的目标"})
    assert client.post(edit, {"definition": changed}).status_code == 302
    source.refresh_from_db()
    assert source.goal == "新的目标" and not source.builtin  # the trainers' version now
    renamed = dump_text(dict(source.graph) | {"code": "other"})
    assert client.post(edit, {"definition": renamed}).status_code == 422
    copy = client.post(
        reverse("training:practice_scenario_copy", args=["invoice"]), {"code": "invoice-2"}
    )
    assert copy.status_code == 302
    assert Scenario.objects.get(code="invoice-2").title.endswith("（副本）")


def test_history_is_scoped(scenarios, personas):
    play(personas.alice, GOOD)
    play(personas.bob, GOOD)
    url = reverse("training:practice_history")

    def agents_on(user):
        html = client_for(user).get(url).content.decode()
        return {name for name in ("李娜", "王强") if f"<td>{name} " in html}

    assert agents_on(personas.alice) == {"李娜"}
    assert agents_on(personas.bob) == {"王强"}
    assert agents_on(personas.sam) == {"李娜"}  # his team
    assert agents_on(personas.tina) == {"李娜", "王强"}
    assert agents_on(personas.quinn) == set()
    own = client_for(personas.alice).get(url)
    assert own.context["agent"].external_id == "A0007" and own.context["weeks"]


def test_history_lists_with_a_constant_number_of_queries(
    scenarios, personas, django_assert_max_num_queries
):
    for _ in range(3):
        play(personas.alice, GOOD[:1])
    client = client_for(personas.tina)
    client.get(reverse("training:practice_history"))
    with django_assert_max_num_queries(20):
        client.get(reverse("training:practice_history"))
    for _ in range(3):
        play(personas.bob, GOOD[:1])
    with django_assert_max_num_queries(20):
        client.get(reverse("training:practice_history"))


def test_the_new_hire_error_rates(scenarios, personas):
    Agent.objects.filter(external_id="A0007").update(tier="new", hired_on=date(2024, 4, 29))
    week1 = play(
        personas.alice, ["请您耐心等待，很快就会发货的。", "嗯", "我不知道。"], gaps=[45, 70, 20]
    )
    later = play(personas.alice, GOOD)
    Practice.objects.filter(pk=later.pk).update(finished_at=T0 + timedelta(days=14))
    # week 1 = Apr 29 – May 5; T0 is May 6: week 2; the moved one: week 4
    page = client_for(personas.tina).get(reverse("training:practice_rates"))
    assert page.status_code == 200
    data = page.context["data"]
    (row,) = data["rows"]
    assert row["external_id"] == "A0007"
    assert [(w["week"], w["errors"], w["checks"]) for w in data["cohort"]] == [
        (2, week1.errors, 20),
        (4, later.errors, 20),
    ]
    assert data["chart"]["cohort"][1] == round(week1.errors / 20 * 100, 1)
    assert b"tp-rates-data" in page.content


@pytest.mark.parametrize(
    "who,status", [("tina", 200), ("mia", 200), ("adam", 200), ("sam", 200), ("alice", 403),
                   ("bob", 403), ("quinn", 403), ("olga", 403)],
)  # fmt: skip
def test_who_sees_the_error_rates(scenarios, personas, who, status):
    response = client_for(getattr(personas, who)).get(reverse("training:practice_rates"))
    assert response.status_code == status
