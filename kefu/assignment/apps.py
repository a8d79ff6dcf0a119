from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssignmentConfig(AppConfig):
    name = "kefu.assignment"
    label = "assignment"
    verbose_name = _("Routing")

    def ready(self) -> None:
        # Live ingest reaches routing through interactions' signal; presence changes
        # through workforce's model signal (neither app imports this one).
        # Who sees which rows (kefu.accounts.access): queues and loads by team for
        # supervisors, every team for monitors; decisions also for the agent they name.
        from kefu.accounts import access
        from kefu.accounts.models import Agent
        from kefu.accounts.roles import MANAGE_ROUTING, MONITOR_ALL
        from kefu.assignment import receivers, selectors  # noqa: F401
        from kefu.assignment.models import (
            AgentLoad,
            AgentProfile,
            Assignment,
            QueueEntry,
            RoutingDecision,
            RoutingRule,
        )

        access.register(
            RoutingDecision,
            agent="agent_id",
            team="team_id",
            policies={access.VIEW: access.Policy(all=(MONITOR_ALL, MANAGE_ROUTING))},
        )
        access.register(
            QueueEntry,
            agent=None,
            team="team_id",
            policies={
                # a queued conversation with no team waits for the whole department:
                # every supervisor sees it (and may assign it)
                access.VIEW: access.Policy(
                    all=(MONITOR_ALL, MANAGE_ROUTING), own=False, also=access.department_rows
                ),
                access.CHANGE: access.Policy(
                    all=MONITOR_ALL, own=False, also=access.department_rows
                ),
            },
        )
        for model in (AgentLoad, Assignment):
            access.register(
                model,
                agent="agent_id",
                team="agent__team_id",
                policies={
                    access.VIEW: access.Policy(all=(MONITOR_ALL, MANAGE_ROUTING)),
                    access.CHANGE: access.Policy(all=MANAGE_ROUTING, teams=False, own=False),
                },
            )
        # An agent's skills and capacity: seen by monitors, routing managers, their
        # supervisors and themselves; changed by routing managers and their supervisors.
        profile_view = access.Policy(all=(MONITOR_ALL, MANAGE_ROUTING))
        profile_change = access.Policy(all=MANAGE_ROUTING, own=False)
        access.register(
            AgentProfile,
            agent="agent_id",
            team="agent__team_id",
            policies={access.VIEW: profile_view, access.CHANGE: profile_change},
        )
        access.add_policy(Agent, selectors.PROFILE_VIEW, profile_view)
        access.add_policy(Agent, selectors.PROFILE_CHANGE, profile_change)
        access.register(RoutingRule, agent=None, team=None, custom=access.catalogue(MANAGE_ROUTING))
