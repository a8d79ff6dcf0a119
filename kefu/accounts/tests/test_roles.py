"""Roles exist with their permissions straight after `kefu migrate`; log-ins are audited."""

import pytest
from django.contrib.auth.models import Group, User
from django.http import HttpRequest
from django.test import Client

from kefu.accounts.roles import ROLE_PERMISSIONS
from kefu.audit.models import AuditAction, AuditLog


@pytest.mark.django_db
def test_migrate_creates_every_role_with_its_permissions():
    # no ensure_roles() here: the post_migrate signal of the test database did it
    for role, perms in ROLE_PERMISSIONS.items():
        group = Group.objects.get(name=role)
        granted = {
            f"{p.content_type.app_label}.{p.codename}"
            for p in group.permissions.select_related("content_type")
        }
        assert granted == set(perms), role


@pytest.mark.django_db
def test_a_log_in_is_audited():
    User.objects.create_user("lin", password="pw-lin-123")
    # django-axes checks log-ins against their request: the test client gives none itself.
    assert Client().login(username="lin", password="pw-lin-123", request=HttpRequest())
    entry = AuditLog.objects.get(action=AuditAction.LOGIN)
    assert entry.actor == "lin"
