"""Automatic QA: the definitions users edit (lexicons, indicators, scorecard versions) and
the results of scoring every conversation.

Definitions are stored as the same data the pure engine reads (`kefu/qa/core`, format in
docs/qa-rules.md), seeded from the shipped YAML. A scorecard's versions are immutable:
editing it adds a version, and every result names the version that produced it. Results
of earlier versions are kept for history; `is_current` marks each conversation's latest.
"""

from __future__ import annotations

import functools

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from kefu.accounts.models import Agent, Team
from kefu.interactions.models import STALLED_AFTER, Conversation
from kefu.qa.core import defaults
from kefu.qa.core.figures import is_chinese
from kefu.qa.core.indicators import SEVERITIES, TYPES


class Lexicon(models.Model):
    name = models.SlugField(_("name"), max_length=64, unique=True)
    description = models.CharField(_("description"), max_length=200, blank=True)
    words = models.JSONField(_("words"), default=list)  # ["您好", …]
    synonyms = models.JSONField(_("synonyms"), default=dict, blank=True)  # {"您好": ["亲"]}
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("lexicon")
        verbose_name_plural = _("lexicons")

    def __str__(self) -> str:
        return self.name

    def as_data(self) -> dict:
        data: dict = {"words": list(self.words)}
        if self.synonyms:
            data["synonyms"] = dict(self.synonyms)
        if self.description:
            data["description"] = self.description
        return data


class Indicator(models.Model):
    """A rule: the definition is the engine's data form ({id, name, severity, type, when})."""

    key = models.SlugField(_("indicator id"), max_length=64, unique=True)
    definition = models.JSONField(_("definition"))
    builtin = models.BooleanField(_("built in"), default=False)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["pk"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")

    def __str__(self) -> str:
        return self.key


@functools.cache
def shipped_scorecard_names() -> dict[str, str]:
    name = defaults.default_scorecard().get("name")
    return dict(name) if isinstance(name, dict) else {"zh": str(name or "")}


class Scorecard(models.Model):
    slug = models.SlugField(_("scorecard id"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    is_default = models.BooleanField(_("default"), default=False)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("scorecard")
        verbose_name_plural = _("scorecards")

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        """The name in the user's language: the shipped scorecard, still under its shipped
        name, in English in the English UI; a scorecard someone named keeps that name."""
        shipped = shipped_scorecard_names()
        if self.name == shipped.get("zh") and not is_chinese(get_language()):
            return shipped.get("en") or self.name
        return self.name

    def current_version(self) -> ScorecardVersion | None:
        return self.versions.order_by("-number").first()


class ScorecardVersion(models.Model):
    """Immutable: one saved state of a scorecard (its data form, with `version`)."""

    scorecard = models.ForeignKey(Scorecard, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    definition = models.JSONField(_("definition"))
    note = models.CharField(_("change note"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["scorecard", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["scorecard", "number"], name="scorecard_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.scorecard.slug} v{self.number}"


class RunTrigger(models.TextChoices):
    IMPORT = "import", _("after an import")
    SCHEDULE = "schedule", _("scheduled")
    MANUAL = "manual", _("on demand")
    CHANGE = "change", _("after a scorecard change")


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    RUNNING = "running", _("running")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


class QaRun(models.Model):
    """One scoring pass over a set of conversations (with its progress)."""

    scorecard_version = models.ForeignKey(
        ScorecardVersion, on_delete=models.PROTECT, related_name="+"
    )
    trigger = models.CharField(max_length=10, choices=RunTrigger.choices)
    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Set when a worker takes the run and after each chunk: a run whose heartbeat stops
    # was lost with its worker (killed, machine restarted) and may be restarted.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # The last conversation id scored and the newest one the run covers: a restarted run
    # goes on after `after_pk` instead of starting over.
    after_pk = models.BigIntegerField(default=0)
    last_pk = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-pk"]

    @property
    def is_active(self) -> bool:
        return self.status in (RunStatus.QUEUED, RunStatus.RUNNING)

    @property
    def is_stalled(self) -> bool:
        """Queued or running with no sign of a worker for STALLED_AFTER."""
        if not self.is_active:
            return False
        return timezone.now() - (self.heartbeat_at or self.created_at) > STALLED_AFTER

    @property
    def can_restart(self) -> bool:
        return self.status == RunStatus.FAILED or self.is_stalled


class QaResult(models.Model):
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="qa_results"
    )
    scorecard_version = models.ForeignKey(
        ScorecardVersion, on_delete=models.PROTECT, related_name="+"
    )
    run = models.ForeignKey(
        QaRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_current = models.BooleanField(default=True)
    score = models.FloatField()
    passed = models.BooleanField()
    fatal = models.BooleanField()
    hit_count = models.PositiveSmallIntegerField(default=0)
    items = models.JSONField(default=list)  # [{item, section, points, fatal, indicators}]
    # Copied from the conversation for list filters and dashboards without joins.
    agent = models.ForeignKey(
        Agent, null=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    team = models.ForeignKey(
        Team, null=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    day = models.DateField()  # conversation's local day
    scored_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(fields=["conversation", "-scored_at"], name="qaresult_conversation"),
            models.Index(fields=["is_current", "day"], name="qaresult_current_day"),
            models.Index(fields=["agent", "day"], name="qaresult_agent_day"),
            models.Index(fields=["team", "day"], name="qaresult_team_day"),
        ]
        constraints = [
            # Scoring a version again rewrites its result (kefu/qa/scoring.py).
            models.UniqueConstraint(
                fields=["conversation", "scorecard_version"], name="qaresult_one_per_version"
            )
        ]


class QaHit(models.Model):
    result = models.ForeignKey(QaResult, on_delete=models.CASCADE, related_name="hits")
    indicator = models.CharField(max_length=64)
    severity = models.CharField(max_length=8, choices=[(s, s) for s in SEVERITIES])
    type = models.CharField(max_length=16, choices=[(t, t) for t in TYPES])
    messages = models.JSONField(default=list)  # message ids
    evidence = models.TextField(blank=True)
    occurrences = models.PositiveSmallIntegerField(default=1)
    # Copied from the result (dashboards: frequency by type × severity × month, top agents).
    is_current = models.BooleanField(default=True)
    agent = models.ForeignKey(
        Agent, null=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    team = models.ForeignKey(
        Team, null=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    day = models.DateField()

    class Meta:
        indexes = [
            models.Index(fields=["is_current", "day", "indicator"], name="qahit_current_day"),
            models.Index(fields=["agent", "day"], name="qahit_agent_day"),
            models.Index(fields=["team", "day"], name="qahit_team_day"),
        ]


class Grain(models.TextChoices):
    DAY = "d", _("day")
    MONTH = "m", _("month")


class Rollup(models.Model):
    """Current results summed per day and per month × agent × team (kefu/qa/rollups.py
    keeps them equal to the rows they sum, with signed deltas at every write). Agent and
    team are plain ids, 0 for none, so that the upsert's unique key never holds a NULL
    and the role scoping (a Q on agent_id / team_id) applies unchanged."""

    grain = models.CharField(max_length=1, choices=Grain.choices)
    period = models.DateField()  # the day, or the first day of the month
    agent_id = models.BigIntegerField()
    team_id = models.BigIntegerField()

    class Meta:
        abstract = True


class ResultRollup(Rollup):
    scored = models.IntegerField(default=0)
    passed = models.IntegerField(default=0)
    fatal = models.IntegerField(default=0)
    # In hundredths of a point: sums of signed deltas stay exact.
    score_centi = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["grain", "period", "agent_id", "team_id"], name="qa_resultrollup_key"
            )
        ]
        indexes = [
            models.Index(fields=["agent_id", "grain", "period"], name="qa_resultrollup_agent"),
            models.Index(fields=["team_id", "grain", "period"], name="qa_resultrollup_team"),
        ]


class HitRollup(Rollup):
    indicator = models.CharField(max_length=64)
    hits = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["grain", "period", "indicator", "agent_id", "team_id"],
                name="qa_hitrollup_key",
            )
        ]
        indexes = [
            models.Index(fields=["agent_id", "grain", "period"], name="qa_hitrollup_agent"),
            models.Index(fields=["team_id", "grain", "period"], name="qa_hitrollup_team"),
            models.Index(fields=["indicator", "grain", "period"], name="qa_hitrollup_indicator"),
        ]


class PendingQa(models.Model):
    """A conversation written since it was last scored (queued by the import hook).
    `mark` changes each time it is queued, so a scoring pass takes it off the queue only
    if nobody wrote the conversation again while it was being scored."""

    conversation_id = models.BigIntegerField(primary_key=True)
    mark = models.BigIntegerField(default=0, db_default=0)


class FeedbackStatus(models.TextChoices):
    """A person's judgement of one hit (docs/qa-feedback.md): marked right; marked wrong
    and waiting for a QA specialist; a false positive the QA specialist confirmed; or a
    report of one the QA specialist rejected (the hit was right)."""

    CORRECT = "correct", _("marked correct")
    PENDING = "pending", _("reported wrong, to confirm")
    CONFIRMED = "confirmed", _("confirmed false positive")
    REJECTED = "rejected", _("report rejected")


class HitFeedback(models.Model):
    """误判反馈: the judgement of a rule's hit on a conversation. Keyed by (conversation,
    indicator), not by the hit row: re-scoring rewrites the hits, the judgement stays. A
    confirmed false positive takes the hit out of the conversation's score and the QA
    figures (`kefu.qa.scoring` leaves it out of every result it stores)."""

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="hit_feedback"
    )
    indicator = models.CharField(_("rule"), max_length=64)
    status = models.CharField(_("status"), max_length=10, choices=FeedbackStatus.choices)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    evidence = models.TextField(blank=True)  # the hit's evidence when it was judged (masked)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reported_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        ordering = ["-reported_at", "-pk"]
        verbose_name = _("hit feedback")
        verbose_name_plural = _("hit feedback")
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "indicator"], name="qa_hitfeedback_one_per_hit"
            )
        ]
        indexes = [models.Index(fields=["status", "indicator"], name="qa_hitfeedback_status")]

    def __str__(self) -> str:
        return f"{self.conversation_id} {self.indicator} {self.status}"

    @property
    def is_decided(self) -> bool:
        return self.status in (FeedbackStatus.CONFIRMED, FeedbackStatus.REJECTED)
