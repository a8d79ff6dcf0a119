"""Workforce settings in the admin (for administrators; managers use the pages). Values
are in stored units here: rates as fractions (0.8), times in seconds. Changes are
audited through the admin's log (`kefu.audit.signals`). Rosters are read-only: they are
built by the solver, never hand-edited."""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import ValidationError

from kefu.accounts.admin_permissions import one_permission
from kefu.accounts.roles import MANAGE_WORKFORCE
from kefu.workforce.actions import check_rule_together
from kefu.workforce.models import (
    AgentWorkRule,
    ForecastEvent,
    Roster,
    RosterAssignment,
    ShiftTemplate,
    StaffingParameters,
)

# One permission for all these settings, as on the pages.
_WorkforcePermission = one_permission(MANAGE_WORKFORCE)


@admin.register(StaffingParameters)
class StaffingParametersAdmin(_WorkforcePermission, admin.ModelAdmin):
    list_display = ["channel", "aht_s", "target_s", "sl_target", "shrinkage", "max_occupancy"]


@admin.register(ForecastEvent)
class ForecastEventAdmin(_WorkforcePermission, admin.ModelAdmin):
    list_display = ["name", "start", "end", "channel", "uplift"]
    list_filter = ["name", "channel"]


@admin.register(ShiftTemplate)
class ShiftTemplateAdmin(_WorkforcePermission, admin.ModelAdmin):
    list_display = ["key", "name", "start", "length_minutes", "break_minutes", "active"]
    list_filter = ["active"]


@admin.register(AgentWorkRule)
class AgentWorkRuleAdmin(_WorkforcePermission, admin.ModelAdmin):
    list_display = ["agent", "skills", "min_hours", "max_hours", "max_days", "days_off",
                    "nights", "schedulable"]  # fmt: skip
    list_filter = ["schedulable", "nights", "agent__team"]
    list_select_related = ["agent"]
    search_fields = ["agent__external_id", "agent__name"]
    raw_id_fields = ["agent"]
    readonly_fields = ["updated_at", "updated_by"]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)

        class CheckedForm(form):
            def _post_clean(self) -> None:
                super()._post_clean()
                try:
                    check_rule_together(self.instance)  # the page's rules, here too
                except ValidationError as exc:
                    self.add_error(None, exc)

        return CheckedForm


class RosterAssignmentInline(_WorkforcePermission, admin.TabularInline):
    model = RosterAssignment
    fields = ["agent", "day", "template", "channel", "start", "end", "break_start"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("agent")


@admin.register(Roster)
class RosterAdmin(_WorkforcePermission, admin.ModelAdmin):
    list_display = ["pk", "week_start", "status", "solver_status", "agents_used", "created_at",
                    "created_by"]  # fmt: skip
    list_filter = ["status", "solver_status"]
    list_select_related = ["created_by"]
    exclude = ["plan"]  # tens of thousands of numbers: the roster page shows them
    readonly_fields = ["week_start", "created_at", "created_by", "status", "phase",
                       "solver_status", "time_limit_s", "started_at", "heartbeat_at",
                       "finished_at", "error", "agents_used", "wall_s"]  # fmt: skip
    inlines = [RosterAssignmentInline]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
