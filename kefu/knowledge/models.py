"""The knowledge base (知识库): articles (FAQ, article, SOP) with numbered versions, the
change requests that keep them current (KCS "flag it or fix it"), the links between
conversations and the article that solved them, and the search log.

An article's `state` is its head version's: a new version of a published article is a
draft (then in review) while `published_version` stays what agents read. Publishing makes
the head the published version and resolves the article's open change requests, which is
when freshness (request → published update) is measured.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kefu.accounts.models import Agent, Team
from kefu.interactions.models import Conversation
from kefu.knowledge.choices import Kind, RequestKind, RequestStatus, SearchSource, State

USER = settings.AUTH_USER_MODEL


class Article(models.Model):
    key = models.CharField(
        _("key"),
        max_length=80,
        unique=True,
        null=True,
        blank=True,
        help_text=_("A stable name for import and export (letters, digits, - and _)."),
    )
    kind = models.CharField(_("type"), max_length=8, choices=Kind.choices, default=Kind.FAQ)
    # the head version's title (kept here for lists and the search index)
    title = models.CharField(_("title"), max_length=200)
    scene = models.CharField(_("scene"), max_length=100, blank=True)  # taxonomy scene
    problem = models.CharField(_("problem"), max_length=100, blank=True)  # taxonomy problem
    tags = models.JSONField(_("tags"), default=list, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.DRAFT)
    owner = models.ForeignKey(
        USER,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("owner"),
    )
    created_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now, db_index=True)
    head = models.ForeignKey(
        "ArticleVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_version = models.ForeignKey(
        "ArticleVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    review_due = models.DateField(_("review due"), null=True, blank=True)

    class Meta:
        ordering = ["title", "pk"]
        verbose_name = _("knowledge article")
        verbose_name_plural = _("knowledge articles")
        permissions = [
            (
                "manage_knowledge",
                "Can review, publish and archive knowledge articles and resolve change requests",
            )
        ]
        indexes = [models.Index(fields=["state", "kind"], name="knowledge_state_kind")]

    def __str__(self) -> str:
        return self.title

    @property
    def live(self) -> bool:
        """Readable by agents: published and not archived."""
        return self.published_version_id is not None and self.state != State.ARCHIVED


class ArticleVersion(models.Model):
    """One version; never changed once written (an edit writes the next number)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body (Markdown)"), blank=True)
    # KCS structure (where it fits): problem, environment, cause, resolution
    issue = models.TextField(_("problem (as the customer says it)"), blank=True)
    environment = models.TextField(_("environment"), blank=True)
    cause = models.TextField(_("cause"), blank=True)
    resolution = models.TextField(_("resolution"), blank=True)
    # SOP: [{"n": 1, "text": …, "branches": [{"if": …, "goto": 4}]}], checked by the core
    steps = models.JSONField(_("steps"), default=list, blank=True)
    snippet = models.TextField(_("answer snippet"), blank=True)
    note = models.CharField(_("what changed"), max_length=300, blank=True)
    author = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # the reviewer's quality checklist, filled when publishing ({criterion: bool})
    quality = models.JSONField(_("quality checklist"), default=dict, blank=True)
    reviewed_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["article", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="knowledge_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.title} v{self.number}"


class ChangeRequest(models.Model):
    """Who asked for what change, why and when; resolved by the version that published it."""

    article = models.ForeignKey(
        Article,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="requests",
        verbose_name=_("article"),
    )
    kind = models.CharField(_("request"), max_length=8, choices=RequestKind.choices)
    title = models.CharField(_("title (new article)"), max_length=200, blank=True)
    reason = models.TextField(_("reason"))
    proposal = models.TextField(_("proposed text"), blank=True)
    conversation = models.ForeignKey(
        Conversation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested"), default=timezone.now)
    status = models.CharField(
        _("status"), max_length=10, choices=RequestStatus.choices, default=RequestStatus.OPEN
    )
    resolved_by_version = models.ForeignKey(
        ArticleVersion, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    answer = models.CharField(_("answer"), max_length=300, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "requested_at"], name="knowledge_request_status"),
            models.Index(fields=["resolved_at"], name="knowledge_request_resolved"),
        ]


class ArticleLink(models.Model):
    """The article (and version) that solved a conversation, linked by its agent (KCS
    link rate). The agent and team are copied from the conversation, like QA results."""

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="knowledge_links"
    )
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="links")
    version = models.ForeignKey(
        ArticleVersion, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    agent = models.ForeignKey(
        Agent, null=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    team = models.ForeignKey(
        Team, null=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    linked_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    linked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-linked_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "article"], name="knowledge_link_unique"
            )
        ]
        indexes = [models.Index(fields=["linked_at"], name="knowledge_link_time")]


class SearchLog(models.Model):
    """Each search: what was asked, how many answers, the first one (searched-but-not-
    found queries are the ones with none)."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    user = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    query = models.CharField(_("query"), max_length=200)
    source = models.CharField(max_length=10, choices=SearchSource.choices)
    results = models.PositiveIntegerField(default=0)
    top = models.ForeignKey(
        Article, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-at"]


class ArticleAttachment(models.Model):
    """A file of an article (a screenshot, a form, a price list): stored with Django's
    storage, served only through the access layer (kefu/knowledge/views.py `attachment`).
    Files belong to the article, not to a version."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to="knowledge/%Y/%m/")
    name = models.CharField(_("name"), max_length=200)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    uploaded_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name
