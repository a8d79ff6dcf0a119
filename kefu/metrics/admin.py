"""KPI targets, benchmark sets and improvement actions in the admin (for administrators;
managers use the settings page). Values are in stored units here: rates as fractions
(0.85), times in seconds. Changes are audited through the admin's log
(`kefu.audit.signals`)."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from kefu.accounts.admin_permissions import one_permission
from kefu.accounts.roles import MANAGE_KPI_SETTINGS
from kefu.metrics.actions import check_value
from kefu.metrics.core.catalogue import ALL_FIGURES, FIGURES
from kefu.metrics.models import BenchmarkSet, BenchmarkValue, ImprovementAction, Target

# One permission for all these settings, as on the pages.
_KpiSettingsPermission = one_permission(MANAGE_KPI_SETTINGS)


def _checked(form: forms.ModelForm, catalogue: dict) -> None:
    key, value = form.cleaned_data.get("key"), form.cleaned_data.get("value")
    if key is not None and value is not None:
        try:
            check_value(key, value, catalogue=catalogue)
        except ValidationError as exc:
            form.add_error("value", exc)


class TargetAdminForm(forms.ModelForm):
    class Meta:
        model = Target
        fields = ["key", "team", "tier", "value"]
        help_texts = {"value": _("Rates as fractions (0.85 means 85 percent), times in seconds.")}

    def clean(self) -> dict:
        data = super().clean()
        if data.get("key") is not None and data["key"] not in FIGURES:
            self.add_error("key", _("Targets are set for Kefu's own figures only."))
        else:
            _checked(self, FIGURES)
        # SQLite ignores the constraint's "nulls not distinct": check the department's
        # (no team) uniqueness here as well.
        clash = Target.objects.filter(
            key=data.get("key"), team=data.get("team"), tier=data.get("tier") or ""
        ).exclude(pk=self.instance.pk)
        if clash.exists():
            raise ValidationError(_("A target for this figure, team and tier already exists."))
        return data


@admin.register(Target)
class TargetAdmin(_KpiSettingsPermission, admin.ModelAdmin):
    form = TargetAdminForm
    list_display = ["key", "team", "tier", "value", "updated_at", "updated_by"]
    list_filter = ["key", "team", "tier"]
    list_select_related = ["team", "updated_by"]
    readonly_fields = ["updated_at", "updated_by"]

    def save_model(self, request, obj, form, change) -> None:
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)


class BenchmarkValueAdminForm(forms.ModelForm):
    class Meta:
        model = BenchmarkValue
        fields = ["key", "value"]

    def clean(self) -> dict:
        data = super().clean()
        _checked(self, ALL_FIGURES)
        return data


class BenchmarkValueInline(admin.TabularInline):
    model = BenchmarkValue
    form = BenchmarkValueAdminForm
    extra = 1

    # inlines follow the parent's permission
    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.has_perm(MANAGE_KPI_SETTINGS)

    has_add_permission = has_change_permission = has_delete_permission = has_view_permission


@admin.register(BenchmarkSet)
class BenchmarkSetAdmin(_KpiSettingsPermission, admin.ModelAdmin):
    list_display = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [BenchmarkValueInline]


@admin.register(ImprovementAction)
class ImprovementActionAdmin(_KpiSettingsPermission, admin.ModelAdmin):
    list_display = ["on", "title", "team", "created_by", "created_at"]
    list_filter = ["team"]
    search_fields = ["title", "note"]
    date_hierarchy = "on"
    list_select_related = ["team", "created_by"]
    fields = ["on", "title", "note", "team", "created_by", "created_at"]
    readonly_fields = ["created_by", "created_at"]

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
