"""Admin pages where an administrator links log-ins to agents and supervisors to teams."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from kefu.accounts.models import Agent, ApiToken, Team

# The admin's own titles ("Django 管理" by default): Kefu's, in the users' language. Everyday
# people-and-access work is on /people/; the admin stays for what has no page yet.
admin.site.site_header = _("Kefu administration")
admin.site.site_title = _("Kefu administration")
admin.site.index_title = _("Site administration")


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name"]
    search_fields = ["name"]
    filter_horizontal = ["supervisors"]


@admin.register(Agent)
class AgentAdmin(admin.ModelAdmin):
    list_display = ["external_id", "name", "team", "tier", "supervisor", "user"]
    list_filter = ["team", "tier"]
    search_fields = ["external_id", "name", "user__username"]
    autocomplete_fields = ["team", "supervisor", "user"]
    list_select_related = ["team", "supervisor", "user"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked"]
    list_filter = ["revoked"]
    fields = ["user", "name", "prefix", "created_at", "last_used_at", "revoked"]
    readonly_fields = ["user", "name", "prefix", "created_at", "last_used_at"]

    def has_add_permission(self, request) -> bool:
        return False  # tokens are issued with `kefu issue_token` so the secret is shown once
