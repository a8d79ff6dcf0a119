from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    name = "kefu.reviews"
    label = "reviews"
    verbose_name = _("Human QA")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Who sees which rows (kefu.accounts.access).
        from kefu.accounts import access
        from kefu.accounts.roles import DECIDE_ANY_APPEAL, MANAGE_SAMPLING, VIEW_ALL_REVIEWS
        from kefu.reviews.choices import ReviewStatus
        from kefu.reviews.models import Appeal, CalibrationSession, Review, SamplingPlan

        # Every review (department roles); the reviewer theirs; supervisors / agents the
        # submitted reviews of their teams / of themselves. A draft is the reviewer's.
        view = access.Policy(
            all=VIEW_ALL_REVIEWS,
            only={"status": ReviewStatus.SUBMITTED},
            also=lambda user: [{"reviewer": user}],
        )
        access.register(Review, policies={access.VIEW: view})
        # Appeals are seen with their reviews; decided by the agent's team's supervisor.
        decide = access.Policy(all=DECIDE_ANY_APPEAL, own=False)
        access.register(Appeal, policies={"decide": decide}, follow=("review", Review))
        access.register(
            SamplingPlan,
            agent=None,
            team=None,
            policies={access.VIEW: access.Policy(all=(MANAGE_SAMPLING, VIEW_ALL_REVIEWS))},
        )
        participant = access.Policy(
            all=MANAGE_SAMPLING, also=lambda user: [{"participants": user}, {"facilitator": user}]
        )
        access.register(
            CalibrationSession,
            agent=None,
            team=None,
            policies={access.VIEW: participant},
            distinct=True,
        )
