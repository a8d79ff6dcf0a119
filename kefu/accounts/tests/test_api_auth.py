"""REST API authentication (token and session), /me, agents, teams, `kefu issue_token`."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.test import Client

from conftest import native_conversation
from kefu.accounts.models import ApiToken
from kefu.audit.models import AuditAction, AuditLog


def bearer(raw: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def names(response) -> list[str]:
    return [item["id"] for item in response.json()]


# --- authentication --------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/v1/me", "/api/v1/agents", "/api/v1/teams"])
def test_anonymous_requests_are_answered_401(personas, client, path):
    response = client.get(path, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 401
    assert response.json() == {"detail": "Unauthorized"}


def test_a_token_authenticates_its_user(personas):
    _, raw = ApiToken.issue(personas.alice, "script")
    response = Client().get("/api/v1/me", **bearer(raw))
    assert response.status_code == 200
    body = response.json()
    assert body["username"] == "alice"
    assert body["roles"] == ["agent"]
    assert body["agent"] == "A0007"
    assert body["auth"] == "token"
    assert body["permissions"]["ingest_conversations"] is False
    assert ApiToken.objects.get(user=personas.alice).last_used_at is not None


def test_a_revoked_token_is_refused(personas):
    token, raw = ApiToken.issue(personas.mia, "old")
    token.revoked = True
    token.save()
    assert Client().get("/api/v1/me", **bearer(raw)).status_code == 401


def test_a_revoked_token_stops_working_within_the_recheck_window(personas, settings, monkeypatch):
    from kefu.accounts import auth

    settings.KEFU_TOKEN_RECHECK_SECONDS = 5
    clock = [1000.0]
    monkeypatch.setattr(auth.time, "monotonic", lambda: clock[0])
    token, raw = ApiToken.issue(personas.mia, "live feed")
    assert Client().get("/api/v1/me", **bearer(raw)).status_code == 200
    token.revoked = True
    token.save()
    # within the window the checked token still serves (no token query per message) …
    clock[0] += 4
    assert Client().get("/api/v1/me", **bearer(raw)).status_code == 200
    # … and after it the revocation applies
    clock[0] += 2
    assert Client().get("/api/v1/me", **bearer(raw)).status_code == 401
    assert Client().get("/api/v1/me", **bearer(raw)).status_code == 401


def test_a_token_of_an_inactive_user_is_refused(personas):
    _, raw = ApiToken.issue(personas.mia, "script")
    personas.mia.is_active = False
    personas.mia.save()
    assert Client().get("/api/v1/me", **bearer(raw)).status_code == 401


@pytest.mark.parametrize(
    "header", ["Bearer kefu_not-a-real-token", "Bearer something-else", "Token kefu_x", ""]
)
def test_wrong_tokens_are_refused(personas, header):
    assert Client().get("/api/v1/me", HTTP_AUTHORIZATION=header).status_code == 401


def test_a_session_authenticates_too(personas, client):
    client.force_login(personas.sam)
    body = client.get("/api/v1/me").json()
    assert body["username"] == "sam"
    assert body["supervised_teams"] == ["售后一组"]
    assert body["auth"] == "session"


def test_session_writes_need_the_csrf_token(personas):
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas.mia)
    record = native_conversation(id="C-CSRF")
    response = client.post("/api/v1/conversations", record, content_type="application/json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]

    client.get("/api/v1/me")  # any page sets the CSRF cookie when asked for it
    from django.middleware.csrf import _get_new_csrf_string

    token = _get_new_csrf_string()
    client.cookies["csrftoken"] = token
    response = client.post(
        "/api/v1/conversations", record, content_type="application/json", HTTP_X_CSRFTOKEN=token
    )
    assert response.status_code == 201


def test_token_writes_need_no_csrf_token(personas):
    _, raw = ApiToken.issue(personas.mia, "ingest")
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        "/api/v1/conversations",
        native_conversation(id="C-TOKEN"),
        content_type="application/json",
        **bearer(raw),
    )
    assert response.status_code == 201


def test_the_openapi_schema_and_docs_are_served(personas, client):
    client.force_login(personas.alice)  # anonymous: test_deploy_settings.py
    schema = client.get("/api/openapi.json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/v1/conversations/{conversation_id}/messages" in paths
    assert client.get("/api/docs").status_code == 200


# --- agents and teams ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("alice", ["A0007"]),
        ("bob", ["A0102"]),
        ("sam", ["A0001", "A0007"]),
        ("quinn", ["A0001", "A0007", "A0102"]),
        ("mia", ["A0001", "A0007", "A0102"]),
        ("olga", []),
    ],
)
def test_agents_are_scoped(personas, client, persona, expected):
    client.force_login(getattr(personas, persona))
    response = client.get("/api/v1/agents")
    assert response.status_code == 200
    assert names(response) == expected


def test_agent_rows_name_team_and_supervisor(personas, client):
    client.force_login(personas.sam)
    rows = {row["id"]: row for row in client.get("/api/v1/agents?team=售后一组").json()}
    assert rows["A0007"]["team"] == "售后一组"
    assert rows["A0007"]["supervisor"] == "A0001"
    assert rows["A0007"]["tier"] == "senior"


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("alice", ["售后一组"]),
        ("sam", ["售后一组"]),
        ("quinn", ["售前一组", "售后一组"]),
        ("olga", []),
    ],
)
def test_teams_are_scoped(personas, client, persona, expected):
    client.force_login(getattr(personas, persona))
    response = client.get("/api/v1/teams")
    assert response.status_code == 200
    assert sorted(t["name"] for t in response.json()) == sorted(expected)
    if persona == "sam":
        assert response.json()[0]["agent_count"] == 2


# --- kefu issue_token ------------------------------------------------------------------


def test_issue_token_prints_a_working_token_once_and_audits(personas):
    out, err = io.StringIO(), io.StringIO()
    call_command("issue_token", "mia", "--name", "CRM sync", stdout=out, stderr=err)
    raw = out.getvalue().strip()
    assert raw.startswith("kefu_")
    token = ApiToken.objects.get(user=personas.mia)
    assert token.name == "CRM sync"
    assert raw not in token.key_hash  # only the hash is stored
    assert Client().get("/api/v1/me", **bearer(raw)).json()["username"] == "mia"
    entry = AuditLog.objects.get(action=AuditAction.ISSUE_TOKEN)
    assert entry.object_id == token.prefix
    assert entry.detail["for"] == "mia"
    assert raw not in str(entry.detail)


def test_issue_token_lists_and_revokes(personas):
    out = io.StringIO()
    call_command("issue_token", "mia", "--name", "one", stdout=out, stderr=io.StringIO())
    raw = out.getvalue().strip()
    prefix = ApiToken.objects.get(user=personas.mia).prefix
    listing = io.StringIO()
    call_command("issue_token", "mia", "--list", stdout=listing)
    assert prefix in listing.getvalue() and "active" in listing.getvalue()
    call_command("issue_token", "mia", "--revoke", prefix, stderr=io.StringIO())
    assert Client().get("/api/v1/me", **bearer(raw)).status_code == 401


def test_issue_token_refuses_unknown_users_and_missing_names(personas):
    with pytest.raises(CommandError):
        call_command("issue_token", "nobody", "--name", "x")
    with pytest.raises(CommandError):
        call_command("issue_token", "mia")


@pytest.mark.django_db
def test_the_api_docs_load_nothing_from_the_internet(client):
    # Kefu runs on closed networks: Swagger UI must come from our own static files.
    user = User.objects.create_user("doc-reader", password="pw-doc-reader")
    client.force_login(user)
    body = client.get("/api/docs").content.decode()
    assert "swagger-ui" in body
    assert "https://" not in body and "http://" not in body
