from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MetricsConfig(AppConfig):
    name = "kefu.metrics"
    label = "metrics"
    verbose_name = _("Service KPIs")

    def ready(self) -> None:
        from kefu.accounts import access
        from kefu.metrics import signals  # noqa: F401  (connects the import hook)
        from kefu.metrics.models import DailyKpi, ImprovementAction, KpiFact, PendingFact
        from kefu.ops.prom import register_backlog

        for model in (KpiFact, DailyKpi):  # attributed like their conversations
            access.register(
                model, policies={access.VIEW: access.CONVERSATION_VIEW}, like_conversations=True
            )
        access.register(
            ImprovementAction, custom=access.department_or_visible_team_rows, agent=None
        )
        register_backlog("kpi_facts", PendingFact.objects.count)
