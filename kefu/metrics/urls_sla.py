"""/sla/…: the SLA report. Its views live in metrics (they read metrics' facts; the sla
app sits below metrics in the layers), mounted under /sla/ by kefu/urls.py."""

from django.urls import path

from kefu.metrics import views_sla

app_name = "sla"

urlpatterns = [
    path("report/", views_sla.report, name="report"),
    path("report/export.csv", views_sla.report_csv, name="report_csv"),
]
