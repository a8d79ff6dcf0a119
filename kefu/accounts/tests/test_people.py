"""People and access (/people/): users, roles, teams and API tokens for administrators,
every write audited; anyone else is refused."""

from __future__ import annotations

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from conftest import client_for
from kefu.accounts import actions
from kefu.accounts.models import Agent, ApiToken, Team
from kefu.audit.models import AuditAction, AuditLog
from kefu.lib.errors import Conflict, Invalid, NotAllowed

PAGES = ["/people/", "/people/users/new/", "/people/roles/", "/people/teams/", "/people/tokens/"]


def events(action: str = AuditAction.ACCESS) -> list[str]:
    return [e.detail.get("event", e.action) for e in AuditLog.objects.filter(action=action)]


# --- who may ------------------------------------------------------------------------------
@pytest.mark.parametrize("path", PAGES)
def test_it_sends_anonymous_visitors_to_log_in(personas, path):
    response = Client().get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("role", ["alice", "sam", "quinn", "mia", "olga"])
def test_it_refuses_every_role_but_the_administrator(personas, path, role):
    assert client_for(getattr(personas, role)).get(path).status_code == 403


@pytest.mark.parametrize("path", PAGES)
def test_it_opens_for_the_administrator(personas, path):
    assert client_for(personas.adam).get(path).status_code == 200


def test_the_manager_cannot_deactivate_anyone(personas):
    response = client_for(personas.mia).post(
        f"/people/users/{personas.alice.pk}/active/", {"active": "0"}
    )
    assert response.status_code == 403
    personas.alice.refresh_from_db()
    assert personas.alice.is_active


def test_the_navigation_link_is_for_administrators_only(personas):
    assert 'href="/people/"' in client_for(personas.adam).get("/people/roles/").content.decode()
    page = client_for(personas.mia).get("/conversations/").content.decode()
    assert 'href="/people/"' not in page


def test_an_unknown_user_is_404(personas):
    assert client_for(personas.adam).get("/people/users/999999/").status_code == 404


def test_actions_refuse_a_non_administrator(personas):
    with pytest.raises(NotAllowed):
        actions.create_team(personas.mia, "新组")
    with pytest.raises(NotAllowed):
        actions.issue_token(personas.mia, personas.mia, "x")


# --- users --------------------------------------------------------------------------------
def test_the_user_list_filters_by_search_role_team_and_status(personas):
    admin = client_for(personas.adam)
    personas.bob.is_active = False
    personas.bob.save()

    def listed(query: str) -> set[str]:
        html = admin.get("/people/?" + query).content.decode()
        return {
            u for u in ("alice", "bob", "sam", "quinn", "mia", "adam") if f'data-user="{u}"' in html
        }

    assert listed("q=ali") == {"alice"}
    assert listed("q=A0102") == {"bob"}  # the agent id
    assert listed("role=supervisor") == {"sam"}
    team = Team.objects.get(name="售后一组")
    assert listed(f"team={team.pk}") == {"alice", "sam"}
    assert "bob" not in listed("active=1")
    assert listed("active=0") == {"bob"}


def test_the_user_list_takes_a_fixed_number_of_queries(personas, django_assert_max_num_queries):
    admin = client_for(personas.adam)
    admin.get("/people/")
    for i in range(5):
        User.objects.create_user(f"extra{i}")
    with django_assert_max_num_queries(12):
        assert admin.get("/people/").status_code == 200


def test_an_administrator_creates_a_user_in_a_team_with_a_temporary_password(personas):
    team = Team.objects.get(name="售前一组")
    response = client_for(personas.adam).post(
        "/people/users/new/",
        {"username": "xiaowang", "name": "小王", "roles": ["agent"], "agent_id": "A0900",
         "team": team.pk, "tier": "new"},
    )  # fmt: skip
    assert response.status_code == 200
    password = response.context["password"]
    user = User.objects.get(username="xiaowang")
    assert user.check_password(password)
    assert user.get_full_name() == "小王"
    assert list(user.groups.values_list("name", flat=True)) == ["agent"]
    agent = Agent.objects.get(external_id="A0900")
    assert (agent.user, agent.team, agent.tier) == (user, team, "new")
    entry = AuditLog.objects.get(action=AuditAction.ACCESS, object_id="xiaowang")
    assert entry.actor == "adam"
    assert entry.detail["event"] == "user_created"
    assert password not in str(entry.detail)


def test_a_team_needs_an_agent_id(personas):
    team = Team.objects.first()
    with pytest.raises(Invalid):
        actions.create_user(personas.adam, actions.UserData(username="x", team=team))


def test_an_agent_linked_to_someone_else_is_refused(personas):
    with pytest.raises(Conflict):
        actions.create_user(personas.adam, actions.UserData(username="y", agent_id="A0007"))
    assert not User.objects.filter(username="y").exists()


def test_editing_a_user_changes_roles_and_team_and_audits_what_changed(personas):
    team = Team.objects.get(name="售前一组")
    response = client_for(personas.adam).post(
        f"/people/users/{personas.alice.pk}/",
        {"username": "alice", "name": "李娜", "roles": ["agent", "supervisor"],
         "agent_id": "A0007", "team": team.pk, "tier": "senior"},
    )  # fmt: skip
    assert response.status_code == 302
    assert set(personas.alice.groups.values_list("name", flat=True)) == {"agent", "supervisor"}
    assert Agent.objects.get(external_id="A0007").team == team
    detail = AuditLog.objects.get(object_id="alice", action=AuditAction.ACCESS).detail
    assert detail["roles"] == [["agent"], ["agent", "supervisor"]]
    assert detail["team"] == ["售后一组", "售前一组"]


def test_an_administrator_cannot_take_their_own_role_or_deactivate_themselves(personas):
    data = actions.UserData(username="adam", roles=("manager",))
    with pytest.raises(Invalid):
        actions.update_user(personas.adam, personas.adam, data)
    with pytest.raises(Invalid):
        actions.set_active(personas.adam, personas.adam, False)


def test_deactivating_stops_log_in_and_tokens(personas):
    _, raw = ApiToken.issue(personas.bob, "script")
    response = client_for(personas.adam).post(
        f"/people/users/{personas.bob.pk}/active/", {"active": "0"}
    )
    assert response.status_code == 302
    personas.bob.refresh_from_db()
    assert not personas.bob.is_active
    assert ApiToken.authenticate(raw) is None
    response = Client().post("/accounts/login/", {"username": "bob", "password": "pw-bob"})
    assert response.status_code == 200  # the form again, not the redirect of a log-in
    assert events() == ["user_deactivated"]


def test_resetting_a_password_shows_a_new_one_once(personas):
    response = client_for(personas.adam).post(f"/people/users/{personas.bob.pk}/password/")
    password = response.context["password"]
    assert password in response.content.decode()
    personas.bob.refresh_from_db()
    assert personas.bob.check_password(password)
    assert not personas.bob.check_password("pw-bob")
    assert events() == ["password_reset"]


def test_unlocking_forgets_the_failed_log_ins(personas):
    AccessAttempt.objects.create(
        username="bob", ip_address="10.0.0.1", user_agent="x", failures_since_start=99,
        get_data="", post_data="", http_accept="", path_info="/accounts/login/",
    )  # fmt: skip
    admin = client_for(personas.adam)
    assert admin.get(f"/people/users/{personas.bob.pk}/").context["locked"]
    assert 'data-user="bob"' in admin.get("/people/?q=bob").content.decode()
    admin.post(f"/people/users/{personas.bob.pk}/unlock/")
    assert not AccessAttempt.objects.filter(username="bob").exists()
    assert not admin.get(f"/people/users/{personas.bob.pk}/").context["locked"]
    entry = AuditLog.objects.get(action=AuditAction.ACCESS, detail__event="user_unlocked")
    assert entry.detail["attempts"] == 1


def test_locked_counts_only_attempts_at_the_limit(personas):
    AccessAttempt.objects.create(
        username="bob", ip_address="10.0.0.1", user_agent="x",
        failures_since_start=settings.AXES_FAILURE_LIMIT - 1,
        get_data="", post_data="", http_accept="", path_info="/",
    )  # fmt: skip
    assert actions.locked_usernames(["bob"]) == set()


# --- roles --------------------------------------------------------------------------------
def test_the_roles_page_shows_which_role_holds_which_permission(personas):
    html = client_for(personas.adam).get("/people/roles/", HTTP_ACCEPT_LANGUAGE="en")
    matrix = html.context["matrix"]
    rows = {perm: held for perm, _label, held in matrix}
    # columns in Role order: agent, qa, supervisor, trainer, manager, admin
    assert rows["interactions.view_personal_data"] == [False, False, False, False, True, True]
    assert rows["audit.view_auditlog"] == [False, False, False, False, False, True]
    assert all(not str(label).startswith(("interactions.", "auth.")) for _p, label, _h in matrix)


# --- teams --------------------------------------------------------------------------------
def test_an_administrator_creates_renames_and_staffs_a_team(personas):
    admin = client_for(personas.adam)
    response = admin.post("/people/teams/", {"name": "投诉专班", "supervisors": [personas.sam.pk]})
    team = Team.objects.get(name="投诉专班")
    assert response["Location"] == f"/people/teams/{team.pk}/"
    assert list(team.supervisors.all()) == [personas.sam]
    admin.post(f"/people/teams/{team.pk}/", {"name": "投诉一组", "supervisors": []})
    team.refresh_from_db()
    assert team.name == "投诉一组"
    assert not team.supervisors.exists()
    bob = Agent.objects.get(external_id="A0102")
    admin.post(f"/people/teams/{team.pk}/move/", {"agents": [bob.pk]})
    bob.refresh_from_db()
    assert bob.team == team
    assert events() == ["agents_moved", "team_changed", "team_created"]
    moved = AuditLog.objects.get(detail__event="agents_moved")
    assert moved.detail["agents"] == {"A0102": "售前一组"}


def test_a_team_name_is_unique(personas):
    response = client_for(personas.adam).post("/people/teams/", {"name": "售后一组"})
    assert response.status_code == 200
    assert Team.objects.filter(name="售后一组").count() == 1
    assert response.context["form"].non_field_errors()


# --- API tokens ---------------------------------------------------------------------------
def test_an_administrator_issues_a_token_shown_once_and_revokes_it(personas):
    admin = client_for(personas.adam)
    response = admin.post(
        "/people/tokens/", {"user": personas.mia.pk, "name": "CRM 同步", "expires_on": ""}
    )
    secret = response.context["secret"]
    assert secret.startswith("kefu_") and secret in response.content.decode()
    token = ApiToken.objects.get(name="CRM 同步")
    assert ApiToken.authenticate(secret) == personas.mia
    # the list afterwards never shows the secret again
    assert secret not in admin.get("/people/tokens/").content.decode()
    issued = AuditLog.objects.get(action=AuditAction.ISSUE_TOKEN)
    assert (issued.actor, issued.object_id, issued.detail["for"]) == ("adam", token.prefix, "mia")
    assert secret not in str(issued.detail)
    admin.post(f"/people/tokens/{token.pk}/revoke/")
    token.refresh_from_db()
    assert token.revoked
    assert ApiToken.authenticate(secret) is None
    assert events() == ["token_revoked"]


def test_an_expired_token_no_longer_authenticates(personas):
    token, raw = actions.issue_token(
        personas.adam, personas.mia, "短期", timezone.now() + timedelta(days=1)
    )
    assert ApiToken.authenticate(raw) == personas.mia
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert ApiToken.authenticate(raw) is None


def test_a_token_cannot_expire_in_the_past(personas):
    response = client_for(personas.adam).post(
        "/people/tokens/", {"user": personas.mia.pk, "name": "x", "expires_on": "2020-01-01"}
    )
    assert response.context["secret"] is None
    assert not ApiToken.objects.exists()


def test_a_team_is_offered_the_supervisors_and_its_present_ones(personas):
    # given a team supervised by quinn (not a supervisor by role)
    team = Team.objects.get(name="售前一组")
    team.supervisors.add(personas.quinn)
    admin = client_for(personas.adam)
    # then its page offers sam (the supervisor role) and quinn, no one else
    offered = admin.get(f"/people/teams/{team.pk}/").context["form"].fields["supervisors"]
    assert set(offered.queryset) == {personas.sam, personas.quinn}
    # and an agent is refused as a new team's supervisor
    response = admin.post("/people/teams/", {"name": "新组", "supervisors": [personas.alice.pk]})
    assert response.status_code == 200
    assert not Team.objects.filter(name="新组").exists()
