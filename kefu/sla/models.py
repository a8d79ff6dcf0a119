"""Service-level policies, business calendars and public holidays.

Policies are versioned: a policy is never edited in place. Changing one stores a new row
with the same `key` and the next `version` and retires the old one (`active=False`), so a
conversation's KPI fact (`metrics.KpiFact.sla_policy`) keeps naming the exact version it
was judged by. Who may change them: `metrics.change_target` (the KPI settings
permission: the settings that shape how figures are judged).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kefu.interactions.choices import Channel
from kefu.sla.choices import Measure


class Holiday(models.Model):
    """A public holiday (a run of closed days) with its make-up working days (调休)."""

    name = models.CharField(_("name"), max_length=50)
    first = models.DateField(_("first day off"))
    last = models.DateField(_("last day off"))
    workdays = models.JSONField(_("make-up working days"), default=list, blank=True)

    class Meta:
        ordering = ["first"]
        constraints = [models.UniqueConstraint(fields=["first"], name="sla_holiday_first")]
        verbose_name = _("public holiday")
        verbose_name_plural = _("public holidays")

    def __str__(self) -> str:
        return f"{self.name} {self.first}–{self.last}"


def default_week() -> list[str]:
    return ["09:00-18:00"] * 5 + ["", ""]


class BusinessCalendar(models.Model):
    """Weekly opening hours in a time zone; closed on public holidays if it observes them."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    zone = models.CharField(_("time zone"), max_length=64, default="Asia/Shanghai")
    # Seven strings, Monday first, each like "09:00-12:00, 13:00-18:00" ("" closed, "24h")
    weekly = models.JSONField(_("weekly hours"), default=default_week)
    makeup_hours = models.CharField(
        _("hours on make-up working days"), max_length=100, default="09:00-18:00", blank=True
    )
    observes_holidays = models.BooleanField(_("closed on public holidays"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")

    def __str__(self) -> str:
        return self.name


class SlaPolicy(models.Model):
    key = models.SlugField(_("policy"), max_length=50)
    version = models.PositiveIntegerField(_("version"), default=1)
    active = models.BooleanField(default=True)
    name = models.CharField(_("name"), max_length=100)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    segment = models.CharField(_("customer segment"), max_length=50, blank=True)
    category = models.CharField(_("scene"), max_length=50, blank=True)
    priority = models.CharField(_("priority"), max_length=20, blank=True)
    # a customer tag's name (kefu.customers): customers carrying it (Customer.tags)
    tag = models.CharField(_("customer tag"), max_length=50, blank=True)
    first_response_s = models.FloatField(_("first response target (s)"), null=True, blank=True)
    next_response_s = models.FloatField(_("next response target (s)"), null=True, blank=True)
    resolution_s = models.FloatField(_("resolution target (s)"), null=True, blank=True)
    measure = models.CharField(
        _("judged in"), max_length=10, choices=Measure.choices, default=Measure.CALENDAR
    )
    calendar = models.ForeignKey(
        BusinessCalendar,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="policies",
        verbose_name=_("business calendar"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["channel", "key", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["key", "version"], name="sla_policy_key_version"),
            models.UniqueConstraint(
                fields=["key"], condition=models.Q(active=True), name="sla_policy_one_active"
            ),
        ]
        verbose_name = _("service-level policy")
        verbose_name_plural = _("service-level policies")

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"
