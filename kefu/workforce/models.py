"""Workforce planning data: staffing parameters per channel, special days for the
forecast, shift templates, each agent's scheduling rules, and rosters.

Computation lives in `core/` (Erlang C, forecast, CP-SAT roster, prediction); these
models hold what planners enter and what a roster decided."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kefu.accounts.models import Agent
from kefu.interactions.choices import Channel
from kefu.workforce.choices import RosterStatus


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
    they answered in the history, 32–40 h, at most 5 days)."""

    agent = models.OneToOneField(Agent, on_delete=models.CASCADE, related_name="work_rule")
    skills = models.JSONField(_("channels"), default=list, blank=True)
    min_hours = models.FloatField(_("minimum hours a week"), default=32)
    max_hours = models.FloatField(_("maximum hours a week"), default=40)
    max_days = models.PositiveSmallIntegerField(_("maximum working days"), default=5)
    days_off = models.JSONField(_("fixed days off"), default=list, blank=True)  # 0 = Monday
    schedulable = models.BooleanField(_("schedulable"), default=True)

    class Meta:
        verbose_name = _("scheduling rule")
        verbose_name_plural = _("scheduling rules")


class Roster(models.Model):
    week_start = models.DateField(_("week of"))  # a Monday
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=12, choices=RosterStatus.choices)
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
