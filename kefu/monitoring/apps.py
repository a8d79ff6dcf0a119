from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "kefu.monitoring"
    label = "monitoring"
    verbose_name = _("Live monitoring")

    def ready(self) -> None:
        from kefu.accounts import access
        from kefu.monitoring import signals  # noqa: F401
        from kefu.monitoring.models import Alert, Intervention, LiveState

        monitoring = {access.VIEW: access.MONITORING}
        access.register(LiveState, policies=monitoring)
        # Acknowledging: whoever may listen to the alert's conversation.
        change = access.Policy(all=access.MONITORING.all, own=False, team="conversation__team_id")
        access.register(Alert, policies=monitoring | {access.CHANGE: change})
        # Answering a suggestion: the conversation's agent only.
        answer = access.Policy(teams=False, agent="conversation__agent_id")
        access.register(Intervention, policies=monitoring | {access.CHANGE: answer})
