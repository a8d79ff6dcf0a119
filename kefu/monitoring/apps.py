from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "kefu.monitoring"
    label = "monitoring"
    verbose_name = _("Live monitoring")

    def ready(self) -> None:
        from kefu.monitoring import signals  # noqa: F401
