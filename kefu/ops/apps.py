from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    """Operations: health and readiness probes, Prometheus metrics, structured request
    logs and the scheduler of periodic commands (docs/deployment.md)."""

    name = "kefu.ops"
    label = "ops"
    verbose_name = _("Operations")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from kefu.ops import receivers  # noqa: F401  (task durations and failures)
