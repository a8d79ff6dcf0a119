"""Complaint root cause and improvement (事后复盘): the versioned taxonomy, each
conversation's classification (automatic or corrected), the trained classifiers, the
analyses (5-Why, fishbone, case retrospectives) and improvement projects.

Classifications copy their conversation's agent, team, customer, time and complaint flag
(like QA results do) so the Pareto of a month, a team's complaints and the review queue
are read from one indexed table, and the access layer treats them like conversations.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from kefu.accounts.models import Agent, Team
from kefu.improvement.choices import CauseKind, FishboneCategory, Level, ProjectStatus, Source
from kefu.interactions.models import Conversation, Customer
from kefu.metrics.models import ImprovementAction

USER = settings.AUTH_USER_MODEL


class ImprovementSettings(models.Model):
    """One row (created by a migration; managers and QA specialists edit it)."""

    review_below = models.FloatField(
        _("review classifications with a confidence below"),
        default=0.6,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
    )
    classify_all = models.BooleanField(
        _("classify every conversation, not only complaints"), default=False
    )
    before_days = models.PositiveSmallIntegerField(
        _("project figures: days before the start"),
        default=90,
        validators=[MinValueValidator(7), MaxValueValidator(366)],
    )
    after_days = models.PositiveSmallIntegerField(
        _("project figures: days after the end"),
        default=90,
        validators=[MinValueValidator(7), MaxValueValidator(366)],
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("improvement settings")
        verbose_name_plural = _("improvement settings")
        permissions = [
            (
                "manage_improvement",
                "Can edit the complaint taxonomy, classifications, analyses and projects",
            )
        ]

    @classmethod
    def current(cls) -> ImprovementSettings:
        row, _created = cls.objects.get_or_create(pk=1)
        return row


class TaxonomyVersion(models.Model):
    """One version of the taxonomy; the highest number is the current one."""

    number = models.PositiveIntegerField(_("version"), unique=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-number"]
        verbose_name = _("taxonomy version")
        verbose_name_plural = _("taxonomy versions")

    def __str__(self) -> str:
        return f"v{self.number}"


class TaxonomyNode(models.Model):
    version = models.ForeignKey(TaxonomyVersion, on_delete=models.CASCADE, related_name="nodes")
    level = models.CharField(_("level"), max_length=8, choices=Level.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=CauseKind.choices, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["version", "position"]
        constraints = [
            # problems are the classifier's labels: one name, one problem
            models.UniqueConstraint(
                fields=["version", "name"],
                condition=models.Q(level="problem"),
                name="taxonomy_problem_unique",
            ),
            models.UniqueConstraint(
                fields=["version", "name"],
                condition=models.Q(level="scene"),
                name="taxonomy_scene_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ClassifierModel(models.Model):
    """A trained complaint classifier (the core's model, serialised) and its measured
    figures; the active one classifies."""

    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    examples = models.PositiveIntegerField(default=0)
    corrections = models.PositiveIntegerField(default=0)  # of the examples, people's
    report = models.JSONField(default=dict, blank=True)  # accuracy, macro-F1 per level, …
    blob = models.BinaryField()
    active = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["active"], condition=models.Q(active=True), name="one_active_classifier"
            )
        ]


class Classification(models.Model):
    conversation = models.OneToOneField(
        Conversation, primary_key=True, on_delete=models.CASCADE, related_name="classification"
    )
    # copied from the conversation (see the module's docstring)
    agent = models.ForeignKey(
        Agent, null=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    team = models.ForeignKey(
        Team, null=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    created_at = models.DateTimeField()
    complaint = models.BooleanField(default=False)

    scene = models.CharField(_("scene"), max_length=100)
    problem = models.CharField(_("problem"), max_length=100)
    confidence = models.FloatField(_("confidence"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=8, choices=Source.choices)
    model = models.ForeignKey(
        ClassifierModel, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    needs_review = models.BooleanField(_("to review"), default=False)
    reviewed_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["complaint", "created_at"], name="class_complaint_time"),
            models.Index(fields=["problem", "created_at"], name="class_problem_time"),
            models.Index(fields=["team", "created_at"], name="class_team_time"),
            models.Index(fields=["agent", "created_at"], name="class_agent_time"),
            models.Index(
                fields=["created_at"],
                condition=models.Q(needs_review=True),
                name="class_review_queue",
            ),
        ]


class Analysis(models.Model):
    """What the analyses share: the problem looked into, the root cause found, the
    conversations behind it, who wrote it."""

    title = models.CharField(_("title"), max_length=200)
    problem = models.CharField(_("problem"), max_length=100)
    root_cause = models.ForeignKey(
        TaxonomyNode,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("root cause"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        abstract = True
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title


class FiveWhy(Analysis):
    """Five nested answers: each "why?" asks about the previous answer."""

    whys = models.JSONField(_("answers"), default=list)  # up to five strings
    conversations = models.ManyToManyField(Conversation, blank=True, related_name="+")

    class Meta(Analysis.Meta):
        verbose_name = _("5-Why analysis")
        verbose_name_plural = _("5-Why analyses")


class Fishbone(Analysis):
    """An Ishikawa diagram: causes under the six categories."""

    causes = models.JSONField(_("causes"), default=dict)  # category → [text, …]
    conversations = models.ManyToManyField(Conversation, blank=True, related_name="+")

    class Meta(Analysis.Meta):
        verbose_name = _("fishbone analysis")
        verbose_name_plural = _("fishbone analyses")

    CATEGORIES = FishboneCategory


class Retrospective(Analysis):
    """A case retrospective (复盘): background, problem, handling, result and impact."""

    background = models.TextField(_("background"), blank=True)
    description = models.TextField(_("problem description"), blank=True)
    handling = models.TextField(_("handling"), blank=True)
    result = models.TextField(_("result and impact"), blank=True)
    conversations = models.ManyToManyField(Conversation, blank=True, related_name="+")

    class Meta(Analysis.Meta):
        verbose_name = _("case retrospective")
        verbose_name_plural = _("case retrospectives")


class Project(models.Model):
    title = models.CharField(_("title"), max_length=200)
    owner = models.ForeignKey(
        USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("owner")
    )
    problem = models.CharField(_("problem"), max_length=100)
    root_cause = models.ForeignKey(
        TaxonomyNode,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("root cause"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ProjectStatus.choices, default=ProjectStatus.PLANNED
    )
    start = models.DateField(_("start"))
    end = models.DateField(_("end"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    # the marker on the KPI trend charts (metrics' improvement actions)
    marker = models.OneToOneField(
        ImprovementAction, null=True, blank=True, on_delete=models.SET_NULL, related_name="project"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-start", "-pk"]
        verbose_name = _("improvement project")
        verbose_name_plural = _("improvement projects")

    def __str__(self) -> str:
        return self.title


class ProjectAction(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="actions")
    text = models.CharField(_("action"), max_length=200)
    owner = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    due = models.DateField(_("due"), null=True, blank=True)
    done_on = models.DateField(_("done on"), null=True, blank=True)

    class Meta:
        ordering = ["due", "pk"]
