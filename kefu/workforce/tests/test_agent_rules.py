"""Agents' scheduling rules: the page (list, inline HTMX edit, reset), its validation and
audit, the admin, and the rules reaching the roster."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.auth.models import User
from django.urls import reverse

from kefu.accounts.models import Agent
from kefu.audit.models import AuditLog
from kefu.workforce import selectors
from kefu.workforce.models import (
    AgentWorkRule,
    ForecastEvent,
    Roster,
    RosterAssignment,
    ShiftTemplate,
    StaffingParameters,
)
from kefu.workforce.tests.conftest import login

HX = {"HTTP_HX_REQUEST": "true"}
GOOD = {"skills": ["chat", "phone"], "min_hours": "20", "max_hours": "30", "max_days": "4",
        "days_off": ["5", "6"], "templates": ["day", "mid"], "schedulable": "on",
        "note": "part-time"}  # fmt: skip


def agent(external_id: str) -> Agent:
    return Agent.objects.get(external_id=external_id)


def edit_url(a: Agent) -> str:
    return reverse("workforce:agent_rule_edit", args=[a.pk])


def test_it_lists_every_agent_with_the_defaults_or_their_rule(planned):
    AgentWorkRule.objects.create(agent=agent("A0102"), min_hours=10, max_hours=20, nights=False)
    response = login(planned.mia).get(reverse("workforce:agent_rules"))
    assert response.status_code == 200
    rows = {r["agent"].external_id: r for r in response.context["rows"]}
    assert set(rows) == {"A0001", "A0007", "A0102"}
    assert rows["A0007"]["rule"] is None and rows["A0007"]["max_hours"] == 40
    assert rows["A0007"]["channels_learnt"] and rows["A0007"]["channels"]  # chat, from history
    assert (rows["A0102"]["min_hours"], rows["A0102"]["nights"]) == (10, False)


def test_it_filters_by_team(planned):
    team = agent("A0102").team
    response = login(planned.mia).get(reverse("workforce:agent_rules"), {"team": team.pk})
    assert [r["agent"].external_id for r in response.context["rows"]] == ["A0102"]


def test_it_edits_a_rule_inline_and_audits_it(planned):
    client, a = login(planned.mia), agent("A0007")
    # the row's Edit answers the form in place of the row
    form = client.get(edit_url(a), **HX)
    content = form.content.decode()
    assert form.status_code == 200 and content.lstrip().startswith("<tr")
    assert f'hx-post="{edit_url(a)}"' in content
    # saving answers the row as shown
    saved = client.post(edit_url(a), GOOD, **HX)
    assert saved.status_code == 200 and f'id="agent-{a.pk}"' in saved.content.decode()
    rule = AgentWorkRule.objects.get(agent=a)
    assert (rule.skills, rule.days_off, rule.templates) == (["chat", "phone"], [5, 6],
                                                            ["day", "mid"])  # fmt: skip
    assert (rule.min_hours, rule.max_hours, rule.max_days, rule.nights) == (20, 30, 4, False)
    assert rule.updated_by == planned.mia
    log = AuditLog.objects.get(object_type="workforce.agentworkrule", object_id="A0007")
    assert log.detail["max_hours"] == 30 and log.user == planned.mia


def test_it_edits_without_javascript_too(planned):
    client, a = login(planned.mia), agent("A0007")
    page = client.get(edit_url(a))
    assert page.status_code == 200 and 'id="agent-rule-form"' in page.content.decode()
    response = client.post(edit_url(a), GOOD)
    assert response.status_code == 302 and response["Location"].endswith(f"#agent-{a.pk}")


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"min_hours": "40", "max_hours": "30"}, "hours_order"),
        ({"max_hours": "70"}, "max_hours"),
        ({"max_days": "0"}, "max_days"),
        ({"days_off": ["0", "1", "2", "3", "4", "5", "6"]}, "no_days"),
        ({"min_hours": "30", "max_days": "2"}, "hours_reach"),  # 2 days × 8 h < 30 h
        ({"skills": ["fax"]}, "skills"),
        ({"templates": ["nope"]}, "templates"),
    ],
)
def test_it_refuses_a_rule_that_cannot_work(planned, change, code):
    client, a = login(planned.mia), agent("A0007")
    response = client.post(edit_url(a), GOOD | change, **HX)
    # HTMX swaps only 2xx: the form comes back with its errors as 200
    assert response.status_code == 200
    form = response.context["form"]
    codes = {e.code for errors in form.errors.as_data().values() for e in errors}
    assert code in codes or code in form.errors, form.errors
    assert 'class="errorlist' in response.content.decode()
    assert not AgentWorkRule.objects.filter(agent=a).exists()
    assert client.post(edit_url(a), GOOD | change).status_code == 400  # without HTMX


def test_it_resets_a_rule_to_the_defaults(planned):
    a = agent("A0007")
    AgentWorkRule.objects.create(agent=a, max_hours=20)
    response = login(planned.mia).post(reverse("workforce:agent_rule_reset", args=[a.pk]), **HX)
    assert response.status_code == 200 and not AgentWorkRule.objects.filter(agent=a).exists()
    assert AuditLog.objects.filter(object_type="workforce.agentworkrule", object_id="A0007",
                                   detail={"reset": True}).exists()  # fmt: skip


def test_the_row_comes_back_on_cancel(planned):
    a = agent("A0007")
    row = login(planned.mia).get(reverse("workforce:agent_rule_row", args=[a.pk]), **HX)
    assert row.status_code == 200 and row.context["row"]["agent"] == a


@pytest.mark.parametrize("who", ["alice", "sam", "quinn", "olga"])
def test_other_roles_may_not_see_or_change_rules(planned, who):
    client, a = login(getattr(planned, who)), agent("A0007")
    assert client.get(reverse("workforce:agent_rules")).status_code == 403
    assert client.get(edit_url(a)).status_code == 403
    assert client.post(edit_url(a), GOOD).status_code == 403
    assert client.post(reverse("workforce:agent_rule_reset", args=[a.pk])).status_code == 403
    assert not AgentWorkRule.objects.exists()


def test_anonymous_is_sent_to_log_in(client, db):
    response = client.get(reverse("workforce:agent_rule_edit", args=[1]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_rules_reach_the_roster(planned):
    ShiftTemplate.objects.filter(key="night").update(start="21:00")  # a template with night
    AgentWorkRule.objects.create(agent=agent("A0007"), skills=["phone"], nights=False,
                                 templates=["day"], days_off=[0], max_days=3)  # fmt: skip
    AgentWorkRule.objects.create(agent=agent("A0102"), schedulable=False)
    agents, _by_key = selectors.roster_agents()
    by_key = {a.key: a for a in agents}
    assert "A0102" not in by_key
    alice = by_key["A0007"]
    assert (alice.skills, alice.nights, alice.templates) == ({"phone"}, False, {"day"})
    assert (alice.days_off, alice.max_days) == ({0}, 3)
    assert by_key["A0001"].templates is None and by_key["A0001"].nights


def test_the_workforce_models_are_in_the_admin(planned, client):
    for model in (StaffingParameters, ForecastEvent, ShiftTemplate, AgentWorkRule, Roster):
        assert admin.site.is_registered(model)
    assert not admin.site.is_registered(RosterAssignment)  # shown inside its roster
    root = User.objects.create_superuser("root", password="pw-root")
    client.force_login(root)
    AgentWorkRule.objects.create(agent=agent("A0007"))
    for name in ("staffingparameters", "forecastevent", "shifttemplate", "agentworkrule",
                 "roster"):  # fmt: skip
        assert client.get(reverse(f"admin:workforce_{name}_changelist")).status_code == 200
    rule = AgentWorkRule.objects.get()
    url = reverse("admin:workforce_agentworkrule_change", args=[rule.pk])
    assert client.get(url).status_code == 200
    # the page's rules hold in the admin too
    form = {"agent": rule.agent_id, "skills": '["chat"]', "min_hours": 41, "max_hours": 40,
            "max_days": 5, "days_off": "[]", "templates": "[]", "nights": "on",
            "schedulable": "on", "note": ""}  # fmt: skip
    response = client.post(url, form)
    assert response.status_code == 200 and "errornote" in response.content.decode()
