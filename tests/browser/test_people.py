"""People and access in a real browser: the administrator follows the navigation link,
creates a team, a user in it and an API token for that user (the secret shown once), and
the audit log shows all three."""

from __future__ import annotations

import pytest

from kefu.accounts.models import Agent, ApiToken, Team

pytestmark = pytest.mark.browser


def test_an_administrator_creates_a_team_a_user_in_it_and_a_token(
    page, personas, login, screenshot
):
    # given the administrator signed in
    login("adam")
    # when they follow the link to the people pages and create a team
    page.click("nav.mainnav a[href='/people/']")
    page.wait_for_url("**/people/")
    page.click("nav.qa-tabs a[href='/people/teams/']")
    page.fill("#team-form input[name=name]", "投诉专班")
    page.click("#team-form button[type=submit]")
    page.wait_for_url("**/people/teams/*/")
    team = Team.objects.get(name="投诉专班")
    # and a user in it, with the agent role
    page.click("nav.qa-tabs a[href='/people/']")
    page.click("#new-user")
    page.fill("#id_username", "xiaozhou")
    page.fill("#id_name", "周晓")
    page.check("#user-form input[name=roles][value=agent]")
    page.fill("#id_agent_id", "A0901")
    page.select_option("#id_team", str(team.pk))
    page.click("#user-form button[type=submit]")
    password = page.locator("#temporary-password").inner_text().strip()
    assert len(password) >= 12
    screenshot(page, "people-user-created")
    # and a token for that user
    page.click("nav.qa-tabs a[href='/people/tokens/']")
    page.select_option("#id_user", label="xiaozhou")
    page.fill("#id_name", "CRM 同步")
    page.click("#token-form button[type=submit]")
    secret = page.locator("#token-secret").inner_text().strip()
    assert secret.startswith("kefu_")
    assert page.locator("#token-list tr[data-token]").count() == 1
    screenshot(page, "people-token-issued")
    # then the team lists its new member, and the data say the same
    agent = Agent.objects.select_related("user", "team").get(external_id="A0901")
    assert (agent.user.username, agent.team) == ("xiaozhou", team)
    assert ApiToken.authenticate(secret) == agent.user
    page.goto(f"/people/teams/{team.pk}/")
    assert page.locator("#member-list tr[data-agent='A0901']").count() == 1
    # and the audit log shows the three writes, never the secrets
    page.goto("/audit/")
    log = page.locator("table.audit").inner_text()
    assert "team_created" in log
    assert "user_created" in log
    assert "CRM 同步" in log
    assert secret not in page.content() and password not in page.content()
    screenshot(page, "people-audit-log")
