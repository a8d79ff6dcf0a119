from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# The access action on agents: whose performance review the user may open.
REVIEWS = "performance_review"
# Recording ratings, interviews and plans: supervisors their teams, managers all.
APPRAISE = "appraise"
# The agent's own part: commenting on and acknowledging an interview.
ACKNOWLEDGE = "acknowledge"


class PerformanceConfig(AppConfig):
    name = "kefu.performance"
    label = "performance"
    verbose_name = _("Performance")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Who sees which rows (kefu.accounts.access).
        from kefu.accounts import access
        from kefu.accounts.models import Agent
        from kefu.accounts.roles import MANAGE_PERFORMANCE, VIEW_ALL_PERFORMANCE
        from kefu.performance import models as m

        # Templates, cycles and behaviour scales: everyone reads them (an agent reads how
        # their score is computed), managers change them.
        for model in (m.Template, m.TemplateIndicator, m.Cycle, m.BarsScale):
            access.register(
                model, agent=None, team=None, custom=access.catalogue(MANAGE_PERFORMANCE)
            )
        # An agent's review rows: their own; supervisors their teams'; managers all.
        review = {
            access.VIEW: access.Policy(all=VIEW_ALL_PERFORMANCE),
            access.CHANGE: access.Policy(all=MANAGE_PERFORMANCE, own=False),
            APPRAISE: access.Policy(all=MANAGE_PERFORMANCE, own=False),
            ACKNOWLEDGE: access.Policy(teams=False, own=True),
        }
        for model in (m.BarsRating, m.Interview, m.ImprovementPlan, m.PoolEntry):
            access.register(model, agent="agent_id", team="agent__team_id", policies=review)
        # A computed review belongs to the team it was computed in.
        access.register(m.AgentScore, agent="agent_id", team="team_id", policies=review)
        access.register(
            m.CalibrationAdjustment, agent=None, team=None, follow=("score", m.AgentScore)
        )
        for model in (m.PlanGoal, m.PlanCheckin):
            access.register(model, agent=None, team=None, follow=("plan", m.ImprovementPlan))
        # A 360-degree answer: its rater only. Requests are sent (and their progress
        # followed, without the answers) by supervisors for their teams and managers.
        access.register(
            m.FeedbackRequest,
            agent="agent_id",
            team="agent__team_id",
            policies={
                access.VIEW: access.Policy(
                    teams=False, own=False, also=lambda user: [{"rater": user}]
                ),
                access.CHANGE: access.Policy(
                    teams=False, own=False, also=lambda user: [{"rater": user}]
                ),
                APPRAISE: access.Policy(all=MANAGE_PERFORMANCE, own=False),
            },
        )
        # Whose reviews a user may open, and for whom they record ratings and interviews.
        access.add_policy(Agent, REVIEWS, review[access.VIEW])
        access.add_policy(Agent, APPRAISE, review[APPRAISE])
