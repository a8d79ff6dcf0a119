"""Declared personal data keys in the admin (administrators). Changes are audited
through the admin's log (`kefu.audit.signals`)."""

from __future__ import annotations

from django.contrib import admin

from kefu.accounts.admin_permissions import one_permission
from kefu.accounts.roles import MANAGE_PERSONAL_KEYS
from kefu.interactions.models import PersonalKey


@admin.register(PersonalKey)
class PersonalKeyAdmin(one_permission(MANAGE_PERSONAL_KEYS), admin.ModelAdmin):
    list_display = ["path", "note", "created_at"]
    search_fields = ["path", "note"]
    readonly_fields = ["created_at"]
