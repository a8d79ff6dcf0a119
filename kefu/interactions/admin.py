"""Declared personal data keys in the admin (administrators). Changes are audited
through the admin's log (`kefu.audit.signals`)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext as _

from kefu.accounts.admin_permissions import one_permission
from kefu.accounts.roles import MANAGE_PERSONAL_KEYS
from kefu.interactions.models import PersonalKey


@admin.register(PersonalKey)
class PersonalKeyAdmin(one_permission(MANAGE_PERSONAL_KEYS), admin.ModelAdmin):
    list_display = ["path", "note", "created_at"]
    search_fields = ["path", "note"]
    readonly_fields = ["created_at"]

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        # Declaring applies to imports from now on; what is stored needs the command.
        messages.info(
            request,
            _(
                "New imports store this key encrypted. To encrypt the values already "
                "stored, run: kefu personal_keys --apply"
            ),
        )
