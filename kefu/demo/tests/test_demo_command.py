"""`kefu demo` and `kefu demo_logins`: load, log-ins per role, idempotency, JSONL output."""

from __future__ import annotations

import io
import json

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from kefu.accounts.models import Agent, Team
from kefu.demo.core.trends import DEMO_PROJECTS
from kefu.demo.users import DEMO_PASSWORD
from kefu.improvement.models import (
    Classification,
    Fishbone,
    FiveWhy,
    Project,
    Retrospective,
)
from kefu.interactions.models import Conversation, Customer, Escalation, Message, Transfer
from kefu.knowledge.models import Article, ArticleLink, ArticleVersion, ChangeRequest, SearchLog
from kefu.metrics.models import ImprovementAction, KpiFact
from kefu.workforce.models import PresenceChange, Roster, RosterAssignment

ROLES = ("agent", "supervisor", "qa", "trainer", "manager", "admin")


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def counts() -> dict[str, int]:
    models = (
        Conversation, Message, Customer, Transfer, Escalation, Agent, Team, get_user_model(),
        ImprovementAction, KpiFact, Article, ArticleVersion, ChangeRequest, ArticleLink, SearchLog,
    )  # fmt: skip
    return {
        m.__name__: m.objects.count() for m in (*models, Roster, RosterAssignment, PresenceChange)
    }


@pytest.mark.django_db
def test_it_loads_the_small_demo_and_creates_one_log_in_per_role():
    # when
    output = run("demo", "--seed", "42", "--size", "small")

    # then
    assert "rejected 0" in output
    assert Conversation.objects.count() == 2000
    assert Agent.objects.count() == 127
    assert Team.objects.count() == 11
    assert Message.objects.count() > 20_000
    users = get_user_model().objects.filter(username__in=ROLES)
    assert {u.username for u in users} == set(ROLES)
    for user in users:
        assert user.check_password(DEMO_PASSWORD)
        assert list(user.groups.values_list("name", flat=True)) == [user.username]
    admin = users.get(username="admin")
    assert admin.is_staff and admin.is_superuser

    agent = Agent.objects.select_related("team").get(user__username="agent")
    assert agent.team.name == "售后一组" and agent.tier == "regular"
    assert agent.conversations.exists()  # the agent log-in has work to look at
    lead = Agent.objects.select_related("team").get(user__username="supervisor")
    assert lead.team.name == "售后一组" and lead.tier == "lead"
    assert agent.supervisor_id == lead.pk
    assert list(lead.team.supervisors.values_list("username", flat=True)) == ["supervisor"]

    # the trend charts have the demo's interventions to mark, and every figure is there
    # (the four department interventions and the improvement projects' starts)
    assert ImprovementAction.objects.filter(on__year=2024).count() == 4 + len(DEMO_PROJECTS)
    # complaints are classified and the projects are there with their actions done
    assert Classification.objects.filter(complaint=True).count() == (
        Conversation.objects.filter(complaint=True).exclude(status="open").count()
    )
    assert "投诉分类 complaint classifier: " in output
    refund = Project.objects.get(problem="退款到账慢")
    assert refund.owner.username == "qa" and refund.root_cause.name == "流程冗余"
    assert refund.actions.filter(done_on__isnull=False).count() == 3
    assert FiveWhy.objects.get().root_cause == refund.root_cause  # the analyses behind it
    assert Fishbone.objects.count() == Retrospective.objects.count() == 1
    assert KpiFact.objects.count() == 2000
    # schedule adherence has the last four weeks of December to show
    weeks = sorted(Roster.objects.filter(plan__source="demo").values_list("week_start", flat=True))
    assert [str(w) for w in weeks] == ["2024-12-02", "2024-12-09", "2024-12-16", "2024-12-23"]
    assert PresenceChange.objects.count() > 127 * 20 * 2
    assert "排班遵从度 schedule adherence: " in output
    # the knowledge base carries the seeds' figures (docs/knowledge.md)
    _assert_knowledge_figures(output)


def _assert_knowledge_figures(output: str) -> None:
    from datetime import date

    from kefu.accounts.access import manages_knowledge
    from kefu.knowledge.selectors import knowledge_figures

    assert Article.objects.count() == 54
    assert not ArticleLink.objects.filter(version__isnull=True).exists()
    figures = knowledge_figures(None, date(2024, 1, 1), date(2024, 12, 31))
    assert 0.6 <= figures.usage.link_rate <= 0.8  # the KCS band
    assert 0.86 <= figures.usage.reuse_rate <= 0.92  # the seeds' 89 %
    fresh = [m["freshness"].median_h for m in figures.months]
    assert fresh[0] > 20 and fresh[-1] <= 4  # 28 h → goal ≤ 4 h
    assert figures.overdue == 6 and figures.not_found
    assert 0.7 < figures.quality_index < 0.95
    assert "知识库 knowledge base: 54 articles" in output
    users = get_user_model().objects.filter(username__in=ROLES)
    owners = {u.username for u in users if manages_knowledge(u)}
    assert owners == {"supervisor", "qa", "manager", "admin"}


@pytest.mark.django_db
def test_running_it_again_changes_nothing():
    # given
    run("demo", "--seed", "3", "--size", "tiny")
    before = counts()

    # when
    output = run("demo", "--seed", "3", "--size", "tiny")

    # then
    assert "created 0, updated 0, unchanged 327" in output
    assert counts() == before


@pytest.mark.django_db
def test_if_empty_skips_loading_but_still_ensures_the_log_ins():
    # given
    run("demo", "--seed", "3", "--size", "tiny")
    get_user_model().objects.filter(username="qa").delete()
    before = Conversation.objects.count()

    # when
    output = run("demo", "--seed", "4", "--size", "small", "--if-empty")

    # then
    assert "跳过" in output
    assert Conversation.objects.count() == before
    assert get_user_model().objects.filter(username="qa", groups__name="qa").exists()


def test_jsonl_writes_a_file_and_touches_no_database(tmp_path):
    # given: no db fixture, so any query would fail the test
    path = tmp_path / "demo.jsonl"

    # when
    output = run("demo", "--seed", "42", "--size", "tiny", "--jsonl", str(path))

    # then
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 127 + 200
    assert json.loads(lines[0])["type"] == "agent"
    assert json.loads(lines[-1])["type"] == "conversation"
    assert "200 conversations" in output
    assert "客服" in lines[-1]  # Chinese kept readable, not \\u-escaped


@pytest.mark.django_db
def test_demo_logins_prints_the_table():
    assert "kefu demo" in run("demo_logins")  # nothing loaded yet: says what to run

    run("demo", "--seed", "3", "--size", "tiny")
    output = run("demo_logins")

    for username in ROLES:
        assert username in output
    assert DEMO_PASSWORD in output
    assert "一线客服 Agent" in output and "质检专员 QA specialist" in output
    assert "售后一组组长" in output
