from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkforceConfig(AppConfig):
    name = "kefu.workforce"
    label = "workforce"
    verbose_name = _("Workforce management")

    def ready(self) -> None:
        # Who sees which rows (kefu.accounts.access).
        from kefu.accounts import access
        from kefu.accounts.models import Agent
        from kefu.accounts.roles import MANAGE_WORKFORCE
        from kefu.workforce import receivers  # noqa: F401  (offline at sign-out)
        from kefu.workforce.models import AgentPresence, PresenceChange, Roster, RosterAssignment
        from kefu.workforce.selectors import PRESENCE

        access.register(Roster, agent=None, team=None, custom=access.roster_rows)
        access.register(
            RosterAssignment,
            team="agent__team_id",
            policies={access.VIEW: access.Policy(all=MANAGE_WORKFORCE)},
        )
        # Presence: planners every agent's, supervisors their teams', agents their own
        # (never a colleague's). Setting another agent is limited to offline by
        # actions.check_presence.
        presence = access.Policy(all=MANAGE_WORKFORCE)
        access.add_policy(Agent, PRESENCE, presence)
        for model in (AgentPresence, PresenceChange):
            access.register(model, team="agent__team_id", policies={access.VIEW: presence})
