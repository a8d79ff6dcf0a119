from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkforceConfig(AppConfig):
    name = "kefu.workforce"
    label = "workforce"
    verbose_name = _("Workforce management")

    def ready(self) -> None:
        # Who sees which rows (kefu.accounts.access).
        from kefu.accounts import access
        from kefu.accounts.roles import MANAGE_WORKFORCE
        from kefu.workforce.models import Roster, RosterAssignment

        access.register(Roster, agent=None, team=None, custom=access.roster_rows)
        access.register(
            RosterAssignment,
            team="agent__team_id",
            policies={access.VIEW: access.Policy(all=MANAGE_WORKFORCE)},
        )
