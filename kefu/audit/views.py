"""The audit log page: who did what, when (administrators; permission audit.view_auditlog)."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required, permission_required
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from kefu.audit.models import VIEW_AUDIT, AuditAction, AuditLog
from kefu.core import periods
from kefu.lib.formfields import DayField
from kefu.lib.paging import keyset_page


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(
        label=_("Action"), required=False, choices=[("", _("All actions")), *AuditAction.choices]
    )
    user = forms.CharField(label=_("User"), required=False, max_length=150)
    date_from = DayField(label=_("From"), required=False)
    date_to = DayField(label=_("To"), required=False)
    object_id = forms.CharField(label=_("Object id"), required=False, max_length=100)

    def filter(self, qs: QuerySet[AuditLog]) -> QuerySet[AuditLog]:
        """Apply every valid filter; an invalid one is reported and ignored."""
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        if data.get("action"):
            qs = qs.filter(action=data["action"])
        if data.get("user"):
            # `actor` keeps the username even after the user is deleted.
            qs = qs.filter(actor__icontains=data["user"])
        if data.get("object_id"):
            qs = qs.filter(object_id=data["object_id"])
        tz = timezone.get_default_timezone()
        qs = qs.filter(**periods.lookups("at", data.get("date_from"), data.get("date_to"), tz))
        return qs


@login_required
@permission_required(VIEW_AUDIT, raise_exception=True)
@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET)
    form.is_valid()
    page = keyset_page(
        form.filter(AuditLog.objects.all()),  # `actor` is shown: no join needed
        after=request.GET.get("after"),
        before=request.GET.get("before"),
        size=settings.KEFU_PAGE_SIZE,
        field="at",
    )
    return render(request, "audit/log.html", {"form": form, "page": page})
