"""The service-level settings page (/sla/settings/): policies, business calendars and
public holidays. Views parse, call `kefu.sla.actions` and render; every write is a POST
that redirects back to the page (a bad value re-renders it, status 400, with the error
and what was typed). Who may: the KPI settings permission, like /metrics/settings/."""

from __future__ import annotations

from itertools import groupby

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kefu.accounts.access import requires
from kefu.accounts.roles import MANAGE_KPI_SETTINGS
from kefu.interactions.choices import Channel
from kefu.sla import actions
from kefu.sla.choices import Measure
from kefu.sla.forms import (
    TARGETS,
    CalendarForm,
    HolidayUploadForm,
    PolicyForm,
    target_text,
)
from kefu.sla.models import BusinessCalendar, Holiday, SlaPolicy

manager_only = requires(MANAGE_KPI_SETTINGS)


def _back(anchor: str) -> HttpResponse:
    return redirect(reverse("sla_settings:page") + f"#{anchor}")


# --- the page -------------------------------------------------------------------------------
def _targets(policy: SlaPolicy) -> list[str]:
    return [target_text(getattr(policy, field)) for field, _prefix in TARGETS]


def _policy_rows(policy_forms: dict[str, PolicyForm]) -> tuple[list[dict], list[dict]]:
    """(the active policies, each with its edit form and older versions; the retired
    policies: keys with no active version, their last version)."""
    rows = SlaPolicy.objects.select_related("calendar", "created_by")
    active, retired = [], []
    for _key, versions in groupby(sorted(rows, key=lambda p: p.key), key=lambda p: p.key):
        ordered = sorted(versions, key=lambda p: -p.version)
        current = ordered[0]
        history = [{"policy": p, "targets": _targets(p)} for p in ordered if not p.active]
        row = {"policy": current, "targets": _targets(current), "history": history}
        if current.active:
            row["form"] = policy_forms.get(current.key) or PolicyForm.for_policy(current)
            active.append(row)
        else:
            retired.append(row)
    order = {value: i for i, value in enumerate(Channel.values)}
    for group in (active, retired):
        group.sort(key=lambda r: (order.get(r["policy"].channel, 99), r["policy"].key))
    return active, retired


def _calendar_rows(calendar_forms: dict[int, CalendarForm]) -> list[dict]:
    rows = []
    for calendar in BusinessCalendar.objects.all():
        rows.append(
            {
                "calendar": calendar,
                "form": calendar_forms.get(calendar.pk) or CalendarForm.for_calendar(calendar),
            }
        )
    return rows


def _holiday_years() -> list[dict]:
    years = []
    for year, holidays in groupby(Holiday.objects.order_by("first"), key=lambda h: h.first.year):
        items = [
            {"holiday": h, "days": (h.last - h.first).days + 1, "workdays": h.workdays or []}
            for h in holidays
        ]
        years.append({"year": year, "holidays": items})
    years.reverse()  # the latest year first
    return years


def render_page(request: HttpRequest, status: int = 200, **forms) -> HttpResponse:
    policies, retired = _policy_rows(forms.get("policy_forms") or {})
    context = {
        "policies": policies,
        "retired": retired,
        "new_policy_form": forms.get("new_policy_form")
        or PolicyForm(initial={"new": True}, auto_id="id_new_policy_%s"),
        "calendars": _calendar_rows(forms.get("calendar_forms") or {}),
        "new_calendar_form": forms.get("new_calendar_form")
        or CalendarForm(
            initial={
                **{f"day{d}": "09:00-18:00" for d in range(5)},
                "makeup_hours": "09:00-18:00",
                "observes_holidays": True,
            },
            auto_id="id_new_calendar_%s",
        ),
        "holiday_years": _holiday_years(),
        "upload_form": forms.get("upload_form") or HolidayUploadForm(),
        "business": Measure.BUSINESS,
    }
    return render(request, "sla/settings.html", context, status=status)


@manager_only
@require_GET
def settings_page(request: HttpRequest) -> HttpResponse:
    return render_page(request)


def _rejected(request: HttpRequest, form, **forms) -> HttpResponse:
    """Re-render the page with the form's errors (and say so at the top)."""
    errors = [str(e) for field_errors in form.errors.values() for e in field_errors]
    messages.error(request, _("Not saved: %(reason)s") % {"reason": " ".join(errors)})
    return render_page(request, status=400, **forms)


# --- policies -----------------------------------------------------------------------------
@manager_only
@require_POST
def policy_save(request: HttpRequest) -> HttpResponse:
    """A new policy (new=1) or the next version of an active one."""
    is_new = request.POST.get("new") in ("1", "True", "true", "on")
    key = request.POST.get("key", "")
    auto_id = "id_new_policy_%s" if is_new else f"id_policy_{key}_%s"
    form = PolicyForm(request.POST, auto_id=auto_id)
    if form.is_valid():
        key = form.cleaned_data["key"]
        exists = SlaPolicy.objects.filter(key=key, active=True).exists()
        if is_new and exists:
            form.add_error("key", _("A policy with this code exists: edit it instead."))
        elif not is_new and not exists:
            raise Http404
        else:
            try:
                policy = actions.save_policy(key, form.policy_data(), user=request.user)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(
                    request,
                    _("Policy saved: %(name)s, version %(version)s.")
                    % {"name": policy.name, "version": policy.version},
                )
                return _back(f"policy-{policy.key}")
    if is_new:
        return _rejected(request, form, new_policy_form=form)
    if not SlaPolicy.objects.filter(key=key, active=True).exists():
        raise Http404
    return _rejected(request, form, policy_forms={key: form})


@manager_only
@require_POST
def policy_retire(request: HttpRequest) -> HttpResponse:
    policy = get_object_or_404(SlaPolicy, key=request.POST.get("key", ""), active=True)
    actions.retire_policy(policy.key, user=request.user)
    messages.success(request, _("Policy retired: %(name)s.") % {"name": policy.name})
    return _back("policies")


# --- calendars ----------------------------------------------------------------------------
@manager_only
@require_POST
def calendar_save(request: HttpRequest) -> HttpResponse:
    calendar_id = request.POST.get("calendar") or ""
    calendar = None
    if calendar_id:
        if not calendar_id.isdigit():
            raise Http404
        calendar = get_object_or_404(BusinessCalendar, pk=int(calendar_id))
    auto_id = f"id_calendar{calendar.pk}_%s" if calendar else "id_new_calendar_%s"
    form = CalendarForm(request.POST, auto_id=auto_id)
    if form.is_valid():
        name = form.cleaned_data["name"].strip()
        clash = BusinessCalendar.objects.filter(name=name)
        if calendar is not None:
            clash = clash.exclude(pk=calendar.pk)
        if clash.exists():
            form.add_error("name", _("A calendar with this name exists."))
        else:
            try:
                saved = actions.save_calendar(calendar, form.calendar_data(), user=request.user)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Calendar saved: %(name)s.") % {"name": saved.name})
                return _back(f"calendar-{saved.pk}")
    if calendar is None:
        return _rejected(request, form, new_calendar_form=form)
    return _rejected(request, form, calendar_forms={calendar.pk: form})


# --- holidays -----------------------------------------------------------------------------
@manager_only
@require_POST
def holidays_upload(request: HttpRequest) -> HttpResponse:
    form = HolidayUploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            count = actions.import_holidays(form.cleaned_data["file"], user=request.user)
        except ValidationError as exc:
            form.add_error(
                "file", _("Nothing was imported: %(reason)s") % {"reason": " ".join(exc.messages)}
            )
        else:
            messages.success(request, _("Holidays imported: %(count)s.") % {"count": count})
            return _back("holidays")
    return _rejected(request, form, upload_form=form)
