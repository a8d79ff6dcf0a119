"""/sla/settings/…: the service-level settings page and its writes (policies, business
calendars, public holidays). Mounted by kefu/urls.py; the SLA report under /sla/ is
metrics' (`kefu/metrics/urls_sla.py`, namespace "sla")."""

from django.urls import path

from kefu.sla import views

app_name = "sla_settings"

urlpatterns = [
    path("", views.settings_page, name="page"),
    path("policies/", views.policy_save, name="policy_save"),
    path("policies/retire/", views.policy_retire, name="policy_retire"),
    path("calendars/", views.calendar_save, name="calendar_save"),
    path("holidays/", views.holidays_upload, name="holidays_upload"),
]
