from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MetricsConfig(AppConfig):
    name = "kefu.metrics"
    label = "metrics"
    verbose_name = _("Service KPIs")

    def ready(self) -> None:
        from kefu.metrics import signals  # noqa: F401  (connects the import hook)
