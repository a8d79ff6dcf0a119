from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class QaConfig(AppConfig):
    name = "kefu.qa"
    label = "qa"
    verbose_name = _("Quality inspection")

    def ready(self) -> None:
        from kefu.qa import signals  # noqa: F401  (connects the import hook)
        from kefu.qa.store import ensure_definitions

        # After every migrate (and test flush): the shipped definitions exist.
        post_migrate.connect(
            lambda sender, **kwargs: ensure_definitions(), sender=self, weak=False,
            dispatch_uid="qa-definitions",
        )  # fmt: skip

        from kefu.accounts import access
        from kefu.qa.models import HitRollup, QaHit, QaResult, ResultRollup

        for model in (QaResult, QaHit, ResultRollup, HitRollup):  # like their conversations
            access.register(
                model, policies={access.VIEW: access.CONVERSATION_VIEW}, like_conversations=True
            )
        # The conversation list (a lower app) shows and filters the current score.
        from django.db.models import OuterRef, Subquery

        from kefu.accounts.roles import MANAGE_QA
        from kefu.interactions.scores import register_qa_score
        from kefu.qa.feedback import DECIDE
        from kefu.qa.models import HitFeedback

        register_qa_score(
            lambda: Subquery(
                QaResult.objects.filter(conversation=OuterRef("pk"), is_current=True)
                .order_by("-scored_at", "-pk")
                .values("score")[:1]
            )
        )
        # Seen like its conversation; decided by QA specialists (docs/qa-feedback.md).
        access.register(
            HitFeedback,
            agent="conversation__agent_id",
            team="conversation__team_id",
            policies={
                access.VIEW: access.CONVERSATION_VIEW,
                DECIDE: access.Policy(all=MANAGE_QA, teams=False, own=False),
            },
        )
        from kefu.ops.prom import register_backlog
        from kefu.qa.models import PendingQa

        register_backlog("qa_scoring", PendingQa.objects.count)
