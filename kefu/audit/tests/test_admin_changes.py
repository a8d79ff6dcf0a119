"""An administrator links a log-in to an agent in the admin; the change is audited."""

import pytest
from django.contrib.auth.models import User
from django.test import Client

from kefu.accounts.models import Agent
from kefu.audit.models import AuditAction, AuditLog


@pytest.mark.django_db
def test_linking_a_user_to_an_agent_in_the_admin_is_audited(personas):
    root = User.objects.create_superuser("root", password="pw-root-123")
    client = Client()
    client.force_login(root)
    agent = Agent.objects.get(external_id="A0102")
    response = client.post(
        f"/admin/accounts/agent/{agent.pk}/change/",
        {
            "external_id": "A0102",
            "name": agent.name,
            "team": agent.team_id,
            "tier": agent.tier,
            "user": personas.olga.pk,
            "extra": "{}",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    agent.refresh_from_db()
    assert agent.user == personas.olga
    entry = AuditLog.objects.get(action=AuditAction.CHANGE_SETTINGS)
    assert (entry.actor, entry.object_type, entry.object_id) == ("root", "agent", str(agent.pk))


@pytest.mark.django_db
def test_the_audit_log_cannot_be_edited_in_the_admin(personas):
    root = User.objects.create_superuser("root", password="pw-root-123")
    client = Client()
    client.force_login(root)
    entry = AuditLog.objects.first()
    assert client.get("/admin/audit/auditlog/").status_code == 200
    assert (
        client.post(f"/admin/audit/auditlog/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    )
