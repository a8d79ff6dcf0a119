"""Workforce planning data: staffing parameters per channel, special days for the
forecast, shift templates, each agent's scheduling rules, rosters, and agents' presence
(the state each agent is in now and its history, which routing and adherence read).

Computation lives in `core/` (Erlang C, forecast, CP-SAT roster, prediction); these
models hold what planners enter and what a roster decided."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kefu.accounts.models import Agent
from kefu.interactions.choices import Channel
from kefu.interactions.models import STALLED_AFTER
from kefu.workforce.choices import (
    DEMO_ROSTER,
    BuildPhase,
    BuildStatus,
    PresenceState,
    SolverStatus,
)
from kefu.workforce.core.coverage import Coverage, channel_coverage, coverage

# The planning interval (minutes) of forecasts, requirements and rosters.
INTERVAL_MIN = 30


class StaffingParameters(models.Model):
    """Erlang C inputs of one channel."""

    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices, unique=True)
    aht_s = models.FloatField(
        _("average handle time (s)"), validators=[MinValueValidator(1), MaxValueValidator(86400)]
    )
    target_s = models.FloatField(
        _("target answer time (s)"), validators=[MinValueValidator(0), MaxValueValidator(86400)]
    )
    sl_target = models.FloatField(
        _("service-level target"), validators=[MinValueValidator(0.01), MaxValueValidator(0.99)]
    )
    shrinkage = models.FloatField(
        _("shrinkage"), default=0.3, validators=[MinValueValidator(0), MaxValueValidator(0.9)]
    )
    max_occupancy = models.FloatField(
        _("occupancy cap"), default=0.85, validators=[MinValueValidator(0.1), MaxValueValidator(1)]
    )
    concurrency = models.PositiveSmallIntegerField(
        _("concurrent contacts per agent"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["channel"]
        verbose_name = _("staffing parameters")
        verbose_name_plural = _("staffing parameters")

    def __str__(self) -> str:
        return self.get_channel_display()


class ForecastEvent(models.Model):
    """A special day or run of days (双11, 618, a holiday). Uplift empty: learnt from the
    history's earlier days of the same name."""

    name = models.CharField(_("name"), max_length=50)
    start = models.DateField(_("first day"))
    end = models.DateField(_("last day"))
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices, blank=True)
    uplift = models.FloatField(
        _("uplift (× normal volume)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0.01), MaxValueValidator(100)],
    )

    class Meta:
        ordering = ["start", "name"]
        verbose_name = _("special day")
        verbose_name_plural = _("special days")

    def __str__(self) -> str:
        return f"{self.name} {self.start}"


class ShiftTemplate(models.Model):
    key = models.SlugField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=50)
    start = models.TimeField(_("start"))
    length_minutes = models.PositiveIntegerField(
        _("length (min)"), validators=[MinValueValidator(30), MaxValueValidator(24 * 60)]
    )
    break_minutes = models.PositiveIntegerField(_("unpaid break (min)"), default=0)
    break_earliest_minutes = models.PositiveIntegerField(
        _("break from (min after start)"), default=0
    )
    break_latest_minutes = models.PositiveIntegerField(
        _("break until (min after start)"), default=0
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["start", "key"]
        verbose_name = _("shift template")
        verbose_name_plural = _("shift templates")

    def __str__(self) -> str:
        return self.name


class AgentWorkRule(models.Model):
    """How an agent may be scheduled. Agents without one get the defaults (the channels
    they answered in the history, 32–40 h, at most 5 days). New hires (tier) never work
    nights whatever `nights` says; `nights` = False keeps anyone else off them too."""

    DEFAULT_MIN_HOURS = 32.0
    DEFAULT_MAX_HOURS = 40.0
    DEFAULT_MAX_DAYS = 5

    agent = models.OneToOneField(Agent, on_delete=models.CASCADE, related_name="work_rule")
    # Empty: the channels the agent answered in the history (see selectors.learnt_skills).
    skills = models.JSONField(_("channels"), default=list, blank=True)
    min_hours = models.FloatField(
        _("minimum hours a week"),
        default=DEFAULT_MIN_HOURS,
        validators=[MinValueValidator(0), MaxValueValidator(60)],
    )
    max_hours = models.FloatField(
        _("maximum hours a week"),
        default=DEFAULT_MAX_HOURS,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
    max_days = models.PositiveSmallIntegerField(
        _("maximum working days"),
        default=DEFAULT_MAX_DAYS,
        validators=[MinValueValidator(1), MaxValueValidator(7)],
    )
    days_off = models.JSONField(_("fixed days off"), default=list, blank=True)  # 0 = Monday
    nights = models.BooleanField(_("may work nights"), default=True)
    # Shift template keys the agent may work; empty: all of them.
    templates = models.JSONField(_("shift templates"), default=list, blank=True)
    schedulable = models.BooleanField(_("schedulable"), default=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("scheduling rule")
        verbose_name_plural = _("scheduling rules")

    def __str__(self) -> str:
        return str(self.agent)


class Roster(models.Model):
    """A week's roster. Built by a background task (`tasks.build_roster_task`): the row
    is created queued, and the task keeps `status`, `phase` and the heartbeat current."""

    week_start = models.DateField(_("week of"))  # a Monday
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=BuildStatus.choices, default=BuildStatus.QUEUED
    )
    phase = models.CharField(max_length=10, blank=True)  # choices.BuildPhase while running
    # The solver's outcome: optimal (proven) or feasible (the best found in the time).
    solver_status = models.CharField(
        _("solver outcome"), max_length=12, choices=SolverStatus.choices, blank=True
    )
    time_limit_s = models.FloatField(_("solver time limit (s)"), default=25)
    started_at = models.DateTimeField(null=True, blank=True)
    # Set when a worker takes the build and at each phase; one that stops was lost with
    # its worker (killed, machine restarted) and may be built again.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    agents_used = models.PositiveIntegerField(default=0)
    wall_s = models.FloatField(default=0)
    # Per channel, per interval of the week: forecast volume, requirement, on duty, gap;
    # and the parameters used (so a roster keeps showing what it was built for).
    plan = models.JSONField(default=dict)

    class Meta:
        ordering = ["-week_start", "-created_at"]
        verbose_name = _("roster")
        verbose_name_plural = _("rosters")

    def __str__(self) -> str:
        return f"{self.week_start} #{self.pk}"

    @property
    def is_active(self) -> bool:
        return self.status in (BuildStatus.QUEUED, BuildStatus.RUNNING)

    @property
    def is_demo(self) -> bool:
        """Written by `kefu demo` (the shifts worked), not built by the solver."""
        return isinstance(self.plan, dict) and self.plan.get("source") == DEMO_ROSTER

    @property
    def phase_label(self) -> str:
        return BuildPhase(self.phase).label if self.phase in BuildPhase.values else ""

    @property
    def stalled_after(self) -> timedelta:
        """No heartbeat for this long: the worker is gone. A solver phase may rightly run
        for most of the time limit without a beat, so a long limit waits longer."""
        return max(STALLED_AFTER, timedelta(seconds=self.time_limit_s + 120))

    @property
    def is_stalled(self) -> bool:
        """Queued or running with no sign of a worker for `stalled_after`."""
        if not self.is_active:
            return False
        return timezone.now() - (self.heartbeat_at or self.created_at) > self.stalled_after

    @property
    def can_restart(self) -> bool:
        return self.status == BuildStatus.FAILED or self.is_stalled

    @property
    def has_result(self) -> bool:
        return self.status == BuildStatus.DONE and self.solver_status in (
            SolverStatus.OPTIMAL,
            SolverStatus.FEASIBLE,
        )

    @property
    def coverage(self) -> Coverage:
        """Required, scheduled and short agent-hours per channel of the built week."""
        plan = self.plan if isinstance(self.plan, dict) else {}
        return coverage(
            channel_coverage(
                channel, data["requirement"], data["scheduled"], data["gap"], INTERVAL_MIN
            )
            for channel, data in plan.get("channels", {}).items()
        )

    @property
    def proven_optimal(self) -> bool:
        """The solver proved it optimal and it covers the requirement within the tolerance:
        a roster that leaves a channel short is never called optimal."""
        return self.solver_status == SolverStatus.OPTIMAL and not self.coverage.large_gap

    @property
    def outcome_label(self) -> str:
        """The solver's outcome for lists and headings; "short-staffed" rather than
        "optimal" or "feasible" when the roster leaves a large coverage gap."""
        if self.has_result and self.coverage.large_gap:
            return str(_("short-staffed"))
        return str(self.get_solver_status_display())

    @property
    def elapsed_s(self) -> float:
        if self.started_at is None:
            return 0.0
        return ((self.finished_at or timezone.now()) - self.started_at).total_seconds()

    @property
    def progress_percent(self) -> int:
        """An estimate for the progress bar: the solver runs at most its time limit, the
        forecast and saving take seconds more. Never 100 before it is done."""
        if self.status == BuildStatus.DONE:
            return 100
        if self.status != BuildStatus.RUNNING:
            return 0
        return min(95, round(100 * self.elapsed_s / (self.time_limit_s + 10)))


class RosterAssignment(models.Model):
    roster = models.ForeignKey(Roster, on_delete=models.CASCADE, related_name="assignments")
    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    template = models.CharField(max_length=20)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    start = models.DateTimeField()
    end = models.DateTimeField()
    break_start = models.DateTimeField(null=True, blank=True)
    break_end = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["roster", "agent", "day"]
        indexes = [models.Index(fields=["agent", "day"], name="rosterassign_agent_day")]


class AgentPresence(models.Model):
    """The presence an agent is in now (one row per agent; no row = offline)."""

    agent = models.OneToOneField(
        Agent, primary_key=True, on_delete=models.CASCADE, related_name="presence"
    )
    state = models.CharField(
        _("presence"), max_length=8, choices=PresenceState.choices, default=PresenceState.OFFLINE
    )
    since = models.DateTimeField(_("since"), default=timezone.now)

    class Meta:
        verbose_name = _("presence")
        verbose_name_plural = _("presence")
        indexes = [models.Index(fields=["state"], name="presence_state")]

    def __str__(self) -> str:
        return f"{self.agent_id}: {self.state}"


class PresenceChange(models.Model):
    """One change of an agent's presence: the history adherence is computed from. A state
    lasts from its `at` until the agent's next change."""

    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="presence_changes")
    state = models.CharField(_("presence"), max_length=8, choices=PresenceState.choices)
    at = models.DateTimeField(_("at"), default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["agent", "at", "pk"]
        verbose_name = _("presence change")
        verbose_name_plural = _("presence changes")
        indexes = [models.Index(fields=["agent", "at"], name="presence_change_agent_at")]
