from django.urls import path  # noqa: F401  (dashboard routes are added below)

from kefu.metrics import urls_settings

app_name = "metrics"

urlpatterns = [
    # dashboards (kefu/metrics/views.py)
    *urls_settings.urlpatterns,
]
