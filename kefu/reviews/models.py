"""Human QA (人工质检): sampling plans and their runs, reviews of conversations on a
scorecard version, their revisions, appeals (申诉) with every state change, and
calibration sessions (校准).

A review never touches the automatic result: it names the `QaResult` it was compared
with and keeps its own items and score (`items`: the stored form of
`kefu.reviews.core.scoring.manual_score`). Every submitted or changed manual score is a
`ReviewRevision`; the review row holds the latest.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kefu.accounts.models import Agent, Team
from kefu.interactions.models import Conversation
from kefu.qa.models import QaResult, Scorecard, ScorecardVersion
from kefu.reviews.choices import (
    AppealStatus,
    Kind,
    Method,
    Period,
    QuotaBasis,
    ReviewStatus,
    RevisionCause,
    RiskFactor,
    RunTrigger,
    SessionStatus,
    Strata,
)
from kefu.reviews.core.sampling import DEFAULT_RISK_WEIGHTS

USER = settings.AUTH_USER_MODEL


class ReviewSettings(models.Model):
    """The department's rules for human QA (one row; managers edit it)."""

    appeal_window_days = models.PositiveSmallIntegerField(_("appeal window (days)"), default=7)
    due_days = models.PositiveSmallIntegerField(_("days to review"), default=3)
    max_open_per_reviewer = models.PositiveIntegerField(
        _("most open reviews per specialist (0 = no limit)"), default=0
    )
    hourly_cost = models.DecimalField(
        _("cost of a reviewer hour"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("human QA settings")

    @classmethod
    def current(cls) -> ReviewSettings:
        """The settings row (a migration creates it); a read never writes: without the
        row, the defaults of an unsaved one, which `save()` then stores as row 1."""
        return cls.objects.filter(pk=1).first() or cls(pk=1)


def _default_weights() -> dict:
    return dict(DEFAULT_RISK_WEIGHTS)


class SamplingPlan(models.Model):
    name = models.CharField(_("name"), max_length=120)
    description = models.CharField(_("description"), max_length=300, blank=True)
    scorecard = models.ForeignKey(
        Scorecard, on_delete=models.PROTECT, related_name="+", verbose_name=_("scorecard")
    )
    method = models.CharField(
        _("method"), max_length=12, choices=Method.choices, default=Method.RANDOM
    )
    quota = models.PositiveIntegerField(_("conversations per period"), default=100)
    quota_basis = models.CharField(
        _("quota"), max_length=10, choices=QuotaBasis.choices, default=QuotaBasis.TOTAL
    )
    period = models.CharField(
        _("period"), max_length=8, choices=Period.choices, default=Period.MONTH
    )
    strata = models.CharField(
        _("strata"), max_length=14, choices=Strata.choices, default=Strata.TEAM
    )
    risk_weights = models.JSONField(_("risk weights"), default=_default_weights)
    base_weight = models.FloatField(_("base weight"), default=0.0)
    low_score_below = models.FloatField(_("low score below"), null=True, blank=True)
    teams = models.ManyToManyField(Team, blank=True, related_name="+", verbose_name=_("teams"))
    channels = models.JSONField(_("channels"), default=list, blank=True)
    reviewers = models.ManyToManyField(
        USER, blank=True, related_name="+", verbose_name=_("QA specialists")
    )
    due_days = models.PositiveSmallIntegerField(_("days to review"), null=True, blank=True)
    appeal_window_days = models.PositiveSmallIntegerField(
        _("appeal window (days)"), null=True, blank=True
    )
    seed = models.IntegerField(_("random seed"), default=42)
    active = models.BooleanField(_("run on schedule"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("sampling plan")

    def __str__(self) -> str:
        return self.name


class SamplingRun(models.Model):
    plan = models.ForeignKey(SamplingPlan, on_delete=models.CASCADE, related_name="runs")
    period_start = models.DateField()
    period_end = models.DateField()  # inclusive
    trigger = models.CharField(max_length=10, choices=RunTrigger.choices)
    seed = models.IntegerField()
    candidates = models.PositiveIntegerField(default=0)
    sampled = models.PositiveIntegerField(default=0)
    assigned = models.PositiveIntegerField(default=0)
    factors = models.JSONField(default=dict, blank=True)  # risk factor → picks showing it
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]


class Review(models.Model):
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.SAMPLED)
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="reviews")
    plan = models.ForeignKey(
        SamplingPlan, null=True, blank=True, on_delete=models.SET_NULL, related_name="reviews"
    )
    run = models.ForeignKey(
        SamplingRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="reviews"
    )
    scorecard_version = models.ForeignKey(
        ScorecardVersion, on_delete=models.PROTECT, related_name="+"
    )
    auto_result = models.ForeignKey(
        QaResult, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Copied from the conversation: who was reviewed, for scoping without joins.
    agent = models.ForeignKey(Agent, null=True, on_delete=models.SET_NULL, related_name="+")
    team = models.ForeignKey(Team, null=True, on_delete=models.SET_NULL, related_name="+")
    period_start = models.DateField(null=True, blank=True)  # the sampling period it counts for
    reviewer = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="reviews_assigned"
    )
    status = models.CharField(
        max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.UNASSIGNED
    )
    due_at = models.DateTimeField(null=True, blank=True)
    assigned_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    handle_seconds = models.PositiveIntegerField(default=0)  # time on the form, all sessions
    items = models.JSONField(default=list, blank=True)
    score = models.FloatField(null=True, blank=True)
    passed = models.BooleanField(null=True, blank=True)
    fatal = models.BooleanField(default=False)
    comment = models.TextField(_("overall comment"), blank=True)
    coaching = models.TextField(_("coaching note"), blank=True)
    sample_reason = models.JSONField(default=dict, blank=True)  # {stratum, factors}
    scenario = models.CharField(_("mystery-shopper scenario"), max_length=300, blank=True)
    shopper = models.CharField(_("mystery shopper"), max_length=100, blank=True)
    revision = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        permissions = [
            ("review_conversations", "Can review conversations"),
            ("manage_sampling", "Can manage sampling plans, assignments and calibration"),
            ("view_all_reviews", "Can see every review"),
            ("decide_any_appeal", "Can decide any team's appeals"),
            ("view_qa_efficiency", "Can see the QA efficiency report"),
        ]
        constraints = [
            # A plan never samples a conversation twice.
            models.UniqueConstraint(
                fields=["plan", "conversation"],
                condition=models.Q(plan__isnull=False),
                name="review_once_per_plan",
            )
        ]
        indexes = [
            models.Index(fields=["reviewer", "status"], name="review_queue"),
            models.Index(fields=["agent", "submitted_at"], name="review_agent"),
            models.Index(fields=["team", "submitted_at"], name="review_team"),
            models.Index(fields=["status", "submitted_at"], name="review_status"),
            models.Index(fields=["plan", "period_start"], name="review_plan_period"),
        ]

    def __str__(self) -> str:
        return f"review {self.pk} of {self.conversation_id}"

    @property
    def sample_factor_labels(self) -> list[str]:
        """Why risk sampling chose this conversation, in the user's language."""
        labels = dict(RiskFactor.choices)
        return [str(labels.get(f, f)) for f in (self.sample_reason or {}).get("factors") or []]


class ReviewRevision(models.Model):
    """One manual score of a review as it stood; never changed after it is written."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    cause = models.CharField(max_length=16, choices=RevisionCause.choices)
    items = models.JSONField(default=list)
    score = models.FloatField()
    passed = models.BooleanField()
    fatal = models.BooleanField(default=False)
    appeal = models.ForeignKey(
        "Appeal", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["review", "number"]
        constraints = [models.UniqueConstraint(fields=["review", "number"], name="revision_unique")]


class Appeal(models.Model):
    """An agent's appeal (申诉) of one item of a review; decided by a supervisor."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="appeals")
    item = models.CharField(_("item"), max_length=64)
    appellant = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    reason = models.TextField(_("reason"))
    status = models.CharField(
        max_length=10, choices=AppealStatus.choices, default=AppealStatus.OPEN
    )
    decided_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision_reason = models.TextField(_("decision reason"), blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    points_before = models.FloatField(null=True, blank=True)  # signed points of the item
    points_after = models.FloatField(null=True, blank=True)
    score_before = models.FloatField(null=True, blank=True)
    score_after = models.FloatField(null=True, blank=True)
    # Copied from the review for scoping.
    agent = models.ForeignKey(Agent, null=True, on_delete=models.SET_NULL, related_name="+")
    team = models.ForeignKey(Team, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            # An item is appealed once; the decision is final (the history says why).
            models.UniqueConstraint(fields=["review", "item"], name="appeal_once_per_item")
        ]
        indexes = [models.Index(fields=["team", "status"], name="appeal_team_status")]


class AppealEvent(models.Model):
    """Every state change of an appeal, in order (opened, upheld, rejected, withdrawn)."""

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="events")
    status = models.CharField(max_length=10, choices=AppealStatus.choices)
    by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    note = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["appeal", "at", "pk"]


class CalibrationSession(models.Model):
    name = models.CharField(_("name"), max_length=120)
    scorecard_version = models.ForeignKey(
        ScorecardVersion, on_delete=models.PROTECT, related_name="+"
    )
    facilitator = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    participants = models.ManyToManyField(USER, related_name="calibration_sessions")
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    status = models.CharField(
        max_length=8, choices=SessionStatus.choices, default=SessionStatus.OPEN
    )
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.name


class CalibrationItem(models.Model):
    """A conversation of a session, with the agreed score once the group settles it."""

    session = models.ForeignKey(CalibrationSession, on_delete=models.CASCADE, related_name="items")
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveSmallIntegerField(default=0)
    agreed_items = models.JSONField(null=True, blank=True)
    agreed_score = models.FloatField(null=True, blank=True)
    agreed_passed = models.BooleanField(null=True, blank=True)
    agreed_note = models.TextField(blank=True)
    agreed_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    agreed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["session", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "conversation"], name="calibration_item_unique"
            )
        ]


class CalibrationScore(models.Model):
    """One reviewer's blind score of one conversation of a session."""

    item = models.ForeignKey(CalibrationItem, on_delete=models.CASCADE, related_name="scores")
    reviewer = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    items = models.JSONField(default=list)
    score = models.FloatField()
    passed = models.BooleanField()
    fatal = models.BooleanField(default=False)
    comment = models.TextField(blank=True)
    submitted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["item", "reviewer_id"]
        constraints = [
            models.UniqueConstraint(fields=["item", "reviewer"], name="calibration_score_unique")
        ]
