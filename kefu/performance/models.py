"""Performance management (绩效管理): scorecard templates per tier (versioned), review
cycles whose scores are computed from the evidence (KPIs, QA results, training,
reviews) with intervals, behaviourally anchored ratings with linked conversations,
360-degree feedback behind an anonymity threshold, interviews (面谈), improvement
plans, calibration adjustments and the promotion pool.

Per-agent rows carry `agent` and are seen through kefu.accounts.access: agents their
own, supervisors their teams', managers all (`performance.view_all_performance`). A
360-degree answer is seen by its rater only; everyone else reads aggregates.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kefu.accounts.choices import Tier
from kefu.accounts.models import Agent, Team
from kefu.performance.choices import (
    CycleKind,
    CycleStatus,
    Dimension,
    Mapping,
    PlanStatus,
    PoolStatus,
    Relation,
)

USER = settings.AUTH_USER_MODEL


class PerformanceSettings(models.Model):
    """The department's review rules (one row, created by a migration)."""

    # 360-degree comments and averages are shown only when at least this many raters
    # answered (never with names).
    anonymity_threshold = models.PositiveSmallIntegerField(
        _("fewest 360-degree raters shown"), default=3
    )
    # Promotion pool criteria.
    promotion_min_score = models.FloatField(_("promotion: lowest cycle score"), default=85)
    promotion_cycles = models.PositiveSmallIntegerField(
        _("promotion: consecutive quarterly cycles at that score"), default=2
    )
    promotion_min_360 = models.FloatField(_("promotion: lowest 360-degree mean (1–5)"), default=4)
    promotion_no_fatal_months = models.PositiveSmallIntegerField(
        _("promotion: months without a fatal QA hit"), default=6
    )
    promotion_requires_certificate = models.BooleanField(
        _("promotion: valid certificate required"), default=True
    )
    # Raters whose behaviour ratings differ from the evidence by more than this many
    # points (0–100 scale) on average are flagged to the manager.
    rater_gap_points = models.FloatField(_("rater flag: mean gap to the evidence"), default=15)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("performance settings")
        permissions = [
            ("manage_performance", "Manage templates, cycles, calibration and the promotion pool"),
            ("view_all_performance", "See every agent's performance review"),
        ]

    @classmethod
    def current(cls) -> PerformanceSettings:
        """The row (a migration creates it); a read never writes."""
        return cls.objects.order_by("pk").first() or cls(pk=1)


class Template(models.Model):
    """A scorecard for a tier: indicators with weights and targets. Versioned: a
    version used by a computed cycle is never edited; a change makes the next version."""

    family = models.SlugField(_("template"), max_length=40)
    version = models.PositiveIntegerField(_("version"), default=1)
    name = models.CharField(_("name"), max_length=100)
    tier = models.CharField(_("tier"), max_length=16, choices=Tier.choices, blank=True)
    note = models.TextField(_("what changed"), blank=True)
    created_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["family", "-version"]
        verbose_name = _("scorecard template")
        constraints = [
            models.UniqueConstraint(fields=["family", "version"], name="perf_template_version")
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class TemplateIndicator(models.Model):
    """One line of a template: which figure (a source key of kefu.performance.sources),
    its dimension and weight, and how the figure maps to 0–100."""

    template = models.ForeignKey(Template, on_delete=models.CASCADE, related_name="indicators")
    position = models.PositiveSmallIntegerField(default=0)
    dimension = models.CharField(_("dimension"), max_length=16, choices=Dimension.choices)
    source = models.CharField(_("figure"), max_length=48)
    weight = models.FloatField(_("weight (%)"))
    mapping = models.CharField(
        _("mapping"), max_length=8, choices=Mapping.choices, default=Mapping.LINEAR
    )
    # Linear: 0 points at the floor, 100 at the target (a floor above the target means
    # lower is better, e.g. first response time).
    floor = models.FloatField(_("floor (0 points)"), null=True, blank=True)
    target = models.FloatField(_("target (100 points)"), null=True, blank=True)
    # Bands: [[from, points], …] ascending by `from`; the figure earns the points of the
    # last band it reaches.
    bands = models.JSONField(_("bands"), default=list, blank=True)

    class Meta:
        ordering = ["template", "position", "pk"]
        verbose_name = _("scorecard indicator")

    def __str__(self) -> str:
        return f"{self.template} · {self.source}"


class Cycle(models.Model):
    """A review period (month, quarter, year) whose scores are computed and stored."""

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=8, choices=CycleKind.choices)
    start = models.DateField(_("from"))
    end = models.DateField(_("to (inclusive)"))
    status = models.CharField(
        _("status"), max_length=12, choices=CycleStatus.choices, default=CycleStatus.OPEN
    )
    computed_at = models.DateTimeField(_("computed at"), null=True, blank=True)
    created_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-start", "kind"]
        verbose_name = _("review cycle")
        constraints = [
            models.UniqueConstraint(fields=["kind", "start"], name="perf_cycle_kind_start")
        ]

    def __str__(self) -> str:
        return self.name


class AgentScore(models.Model):
    """An agent's computed review in a cycle. `details` holds each indicator's figure,
    count, interval, points and weight as computed (the breakdown the agent reads)."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="scores")
    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="performance_scores")
    # The agent's team when computed (who supervises this review; bias checks by team).
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL)
    template = models.ForeignKey(Template, on_delete=models.PROTECT, related_name="+")
    score = models.FloatField(_("score"), null=True, blank=True)
    score_low = models.FloatField(null=True, blank=True)
    score_high = models.FloatField(null=True, blank=True)
    dimensions = models.JSONField(default=dict, blank=True)  # {dimension: points}
    details = models.JSONField(default=list, blank=True)
    # After the calibration meeting (None: not adjusted); see CalibrationAdjustment.
    calibrated_score = models.FloatField(_("calibrated score"), null=True, blank=True)
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["cycle", "-score"]
        verbose_name = _("agent review")
        constraints = [
            models.UniqueConstraint(fields=["cycle", "agent"], name="perf_score_cycle_agent")
        ]

    def __str__(self) -> str:
        return f"{self.cycle} · {self.agent}"

    @property
    def final_score(self) -> float | None:
        return self.calibrated_score if self.calibrated_score is not None else self.score


class CalibrationAdjustment(models.Model):
    """A change of a review's score in the calibration meeting, with its reason."""

    score = models.ForeignKey(AgentScore, on_delete=models.CASCADE, related_name="adjustments")
    before = models.FloatField(_("before"), null=True)
    after = models.FloatField(_("after"))
    reason = models.TextField(_("reason"))
    by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("calibration adjustment")


class BarsScale(models.Model):
    """A behaviourally anchored rating scale (行为锚定法): a behaviour such as service
    attitude, and per level an anchor describing what that level looks like."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("behaviour"), max_length=60)
    description = models.TextField(_("description"), blank=True)
    # [{"level": 1..5, "anchor": "…"}], ascending.
    levels = models.JSONField(_("levels"), default=list)
    # The QA figure the ratings are compared with (rater flags): a source key.
    evidence_source = models.CharField(_("compared with"), max_length=48, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("behaviour scale")

    def __str__(self) -> str:
        return self.name


class BarsRating(models.Model):
    """A supervisor's rating of one behaviour in a cycle, with at least one linked
    conversation as evidence."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="bars_ratings")
    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="bars_ratings")
    scale = models.ForeignKey(BarsScale, on_delete=models.PROTECT, related_name="ratings")
    rater = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="bars_ratings")
    level = models.PositiveSmallIntegerField(_("level"))
    comment = models.TextField(_("comment"), blank=True)
    evidence = models.ManyToManyField(
        "interactions.Conversation", related_name="bars_ratings", verbose_name=_("evidence")
    )
    blind = models.BooleanField(_("rated blind"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["cycle", "agent", "scale"]
        verbose_name = _("behaviour rating")
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "agent", "scale", "rater"], name="perf_bars_one_per_rater"
            )
        ]


class FeedbackRequest(models.Model):
    """A 360-degree feedback request to one rater about one agent, and the answer.
    Only the rater sees the row; the agent and managers read aggregates of at least
    `anonymity_threshold` answers."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="feedback")
    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="feedback_received")
    rater = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="feedback_given")
    relation = models.CharField(_("relation"), max_length=12, choices=Relation.choices)
    # {dimension code: 1..5} for kefu.performance.core.feedback.DIMENSIONS
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["cycle", "agent", "relation"]
        verbose_name = _("360-degree feedback")
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "agent", "rater"], name="perf_feedback_one_per_rater"
            )
        ]


class Interview(models.Model):
    """A performance interview (面谈): scheduled per cycle, recorded in a structure, then
    commented on and acknowledged by the agent."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="interviews")
    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="interviews")
    interviewer = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    scheduled_at = models.DateTimeField(_("scheduled at"))
    held_at = models.DateTimeField(_("held at"), null=True, blank=True)
    achievements = models.TextField(_("achievements"), blank=True)
    gaps = models.TextField(_("gaps"), blank=True)
    causes = models.TextField(_("causes"), blank=True)
    actions = models.TextField(_("agreed actions"), blank=True)
    agent_comment = models.TextField(_("agent's comment"), blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)

    class Meta:
        ordering = ["-scheduled_at"]
        verbose_name = _("performance interview")
        constraints = [
            models.UniqueConstraint(fields=["cycle", "agent"], name="perf_interview_per_cycle")
        ]


class ImprovementPlan(models.Model):
    """An improvement plan (绩效改进计划): goals with a figure and a target, coaching
    sessions and check-ins, lessons from training, an outcome."""

    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="improvement_plans")
    cycle = models.ForeignKey(
        Cycle, null=True, blank=True, on_delete=models.SET_NULL, related_name="plans"
    )
    coach = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    title = models.CharField(_("title"), max_length=200)
    opened_on = models.DateField(_("opened on"))
    due_on = models.DateField(_("due on"))
    status = models.CharField(
        _("status"), max_length=12, choices=PlanStatus.choices, default=PlanStatus.OPEN
    )
    outcome = models.TextField(_("outcome"), blank=True)
    lessons = models.ManyToManyField(
        "training.Lesson", blank=True, related_name="+", verbose_name=_("lessons")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-opened_on"]
        verbose_name = _("improvement plan")


class PlanGoal(models.Model):
    plan = models.ForeignKey(ImprovementPlan, on_delete=models.CASCADE, related_name="goals")
    source = models.CharField(_("figure"), max_length=48)
    baseline = models.FloatField(_("baseline"), null=True, blank=True)
    target = models.FloatField(_("target"))
    result = models.FloatField(_("result"), null=True, blank=True)

    class Meta:
        ordering = ["plan", "pk"]
        verbose_name = _("plan goal")


class PlanCheckin(models.Model):
    """A coaching session or check-in of a plan."""

    plan = models.ForeignKey(ImprovementPlan, on_delete=models.CASCADE, related_name="checkins")
    on = models.DateField(_("date"))
    coaching = models.BooleanField(_("coaching session"), default=False)
    note = models.TextField(_("note"))
    by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["plan", "on", "pk"]
        verbose_name = _("plan check-in")


class PoolEntry(models.Model):
    """An agent in the reserve team-lead pool (储备组长), and what became of it."""

    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="pool_entries")
    added_on = models.DateField(_("added on"))
    added_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(
        _("status"), max_length=12, choices=PoolStatus.choices, default=PoolStatus.RESERVE
    )
    promoted_on = models.DateField(_("promoted on"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["-added_on"]
        verbose_name = _("reserve pool entry")
        constraints = [
            models.UniqueConstraint(
                fields=["agent"],
                condition=models.Q(status="reserve"),
                name="perf_pool_one_open_entry",
            )
        ]
