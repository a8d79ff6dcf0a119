from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KnowledgeConfig(AppConfig):
    """The knowledge base (知识库): FAQs, articles and SOPs with versions, review and
    change requests, Chinese search, suggestions inside the conversation, and the KCS
    figures (link rate, freshness)."""

    name = "kefu.knowledge"
    label = "knowledge"
    verbose_name = _("Knowledge base")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The complaint analyses' "knowledge gap" root causes become requests for new
        # articles (kefu/knowledge/handoffs.py).
        from django.utils.translation import gettext_lazy

        from kefu.improvement import handoffs as improvement_handoffs
        from kefu.improvement.choices import CauseKind
        from kefu.knowledge.handoffs import request_article

        improvement_handoffs.register(
            CauseKind.KNOWLEDGE_GAP,
            gettext_lazy("Request a knowledge-base article"),
            request_article,
        )

        # The knowledge figures' sheet in the KPI workbooks (`kefu metrics --format xlsx`,
        # the monthly review); metrics never imports this app.
        from kefu.knowledge.figures import add_sheet
        from kefu.metrics import extra_sheets

        extra_sheets.register("knowledge", add_sheet)

        # Who sees which rows (kefu.accounts.access): articles are read by everyone signed
        # in once published, drafts by their authors and the knowledge owners; versions and
        # change requests are seen with their article; links like their conversations;
        # the search log by the owners.
        from kefu.accounts import access
        from kefu.accounts.roles import MANAGE_KNOWLEDGE
        from kefu.knowledge.models import (
            Article,
            ArticleAttachment,
            ArticleLink,
            ArticleVersion,
            ChangeRequest,
            SearchLog,
        )

        access.register(Article, agent=None, team=None, custom=access.knowledge_rows())
        access.register(
            ArticleVersion, agent=None, team=None, custom=access.knowledge_rows("article__")
        )
        access.register(
            ArticleAttachment, agent=None, team=None, custom=access.knowledge_rows("article__")
        )
        access.register(
            ChangeRequest, agent=None, team=None, custom=_request_rows(access, MANAGE_KNOWLEDGE)
        )
        access.register(
            ArticleLink,
            policies={
                access.VIEW: access.CONVERSATION_VIEW,
                access.CHANGE: access.Policy(all=MANAGE_KNOWLEDGE, teams=False),
            },
        )
        owners = access.Policy(all=MANAGE_KNOWLEDGE, teams=False, own=False)
        access.register(
            SearchLog, agent=None, team=None, policies={access.VIEW: owners, access.CHANGE: owners}
        )


def _request_rows(access, manage: str):
    """Change requests: the owners see and resolve all; anyone else sees the ones they
    asked and the open ones of the articles they read (so they need not ask twice)."""
    from django.db.models import Q

    articles = access.knowledge_rows()

    def rows(queryset, user, action: str):
        if access.manages_knowledge(user):
            return queryset
        if action != access.VIEW or not user.is_authenticated or not user.is_active:
            return queryset.none()
        from kefu.knowledge.models import Article

        readable = articles(Article.objects.all(), user, access.VIEW).values("pk")
        return queryset.filter(Q(requested_by=user) | Q(article__in=readable, status="open"))

    return rows
