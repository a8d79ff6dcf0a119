"""Stored KPI statistics, targets, benchmark sets and improvement actions.

Figures are computed by `kefu.metrics.core.kpis` only. What is stored here are that
module's additive statistics (`kpis.STATS`), at two grains:

- `KpiFact`: one row per conversation (its contribution); the source for drill-down
  lists and for grouping by customer segment. The import hook only queues written
  conversations in `PendingFact` (cheap, inside each batch); the queue is worked off in
  bulk when the import finishes, and before any read.
- `DailyKpi`: the facts summed per local day × agent × team × channel, with the FRT
  multiset packed for exact percentiles; what `kefu metrics`, the API and dashboards
  read. Both carry every time statistic twice, in calendar and in business time
  (`kpis.BUSINESS_STATS`). Days whose facts changed are listed in `DirtyDay` and
  re-summed before the next read, so an import shows on the next page load.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kefu.accounts.choices import Tier
from kefu.accounts.models import Agent, Team
from kefu.interactions.models import Conversation, Customer
from kefu.metrics.core.catalogue import ALL_FIGURES
from kefu.metrics.core.kpis import FLOAT_STATS, STATS
from kefu.sla.models import SlaPolicy


class Stats(models.Model):
    """One column per additive statistic of the KPI core (generated from kpis.STATS so
    the table and the definition cannot drift apart)."""

    class Meta:
        abstract = True


for _name in STATS:
    Stats.add_to_class(
        _name,
        models.FloatField(default=0) if _name in FLOAT_STATS else models.IntegerField(default=0),
    )


class KpiFact(Stats):
    conversation = models.OneToOneField(
        Conversation, primary_key=True, on_delete=models.CASCADE, related_name="kpi_fact"
    )
    day = models.DateField()  # created_at's local date (KEFU_TIME_ZONE)
    agent = models.ForeignKey(
        Agent, null=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    team = models.ForeignKey(
        Team, null=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    channel = models.CharField(max_length=8)
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    frt_s = models.FloatField(null=True)
    biz_frt_s = models.FloatField(null=True)  # frt_s in business time (kpis.business_span)
    # The service-level policy version that judged the conversation (kefu.sla; null: none
    # matched, the 30 s fallback applied)
    sla_policy = models.ForeignKey(
        SlaPolicy, null=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )

    class Meta:
        indexes = [
            models.Index(fields=["day"], name="kpifact_day"),
            models.Index(fields=["agent", "day"], name="kpifact_agent_day"),
        ]


class DailyKpi(Stats):
    day = models.DateField()
    agent = models.ForeignKey(
        Agent, null=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    team = models.ForeignKey(
        Team, null=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    channel = models.CharField(max_length=8)
    frt_counts = models.BinaryField(default=b"")  # core.distribution.pack
    biz_frt_counts = models.BinaryField(default=b"")  # the same, of business-time FRTs

    class Meta:
        indexes = [
            models.Index(fields=["day"], name="dailykpi_day"),
            models.Index(fields=["agent", "day"], name="dailykpi_agent_day"),
            models.Index(fields=["team", "day"], name="dailykpi_team_day"),
        ]


class PendingFact(models.Model):
    """A conversation written since its fact was computed (queued by the import hook).
    `mark` changes each time it is queued, so a refresh takes it off the queue only if
    nobody wrote the conversation again while its fact was being computed."""

    conversation_id = models.BigIntegerField(primary_key=True)
    mark = models.BigIntegerField(default=0, db_default=0)


class DirtyDay(models.Model):
    """A day whose facts changed since its roll-up was summed. `mark` changes with each
    change, so a refresh deletes only the marks it has seen."""

    day = models.DateField(primary_key=True)
    mark = models.BigIntegerField()


FIGURE_CHOICES = [(key, f"{f.label_zh} · {f.label_en}") for key, f in ALL_FIGURES.items()]


class Target(models.Model):
    """A KPI target for the department (no team, no tier), a team or an agent tier.
    The most specific applies: tier of the team, tier, team, then department."""

    key = models.CharField(_("figure"), max_length=40, choices=FIGURE_CHOICES)
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.CASCADE, verbose_name=_("team")
    )
    tier = models.CharField(_("tier"), max_length=16, choices=Tier.choices, blank=True)
    value = models.FloatField(_("target"))
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        # Two partial constraints instead of nulls_distinct=False, which SQLite lacks.
        constraints = [
            models.UniqueConstraint(
                fields=["key", "team", "tier"],
                condition=models.Q(team__isnull=False),
                name="target_unique_team_scope",
            ),
            models.UniqueConstraint(
                fields=["key", "tier"],
                condition=models.Q(team__isnull=True),
                name="target_unique_department_scope",
            ),
        ]
        ordering = ["key", "team__name", "tier"]
        verbose_name = _("KPI target")
        verbose_name_plural = _("KPI targets")

    def __str__(self) -> str:
        return f"{self.key} {self.value}"


class BenchmarkSet(models.Model):
    slug = models.SlugField(unique=True)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("benchmark set")
        verbose_name_plural = _("benchmark sets")

    def __str__(self) -> str:
        return self.name


class BenchmarkValue(models.Model):
    benchmark = models.ForeignKey(BenchmarkSet, on_delete=models.CASCADE, related_name="values")
    key = models.CharField(_("figure"), max_length=40, choices=FIGURE_CHOICES)
    value = models.FloatField(_("value"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["benchmark", "key"], name="benchmark_key")]
        ordering = ["key"]


class ImprovementAction(models.Model):
    """ "Action taken on date X": shown as a marker on the trend charts."""

    on = models.DateField(_("date"))
    title = models.CharField(_("action"), max_length=200)
    note = models.TextField(_("note"), blank=True)
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.CASCADE, verbose_name=_("team")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["on", "pk"]
        verbose_name = _("improvement action")
        verbose_name_plural = _("improvement actions")

    def __str__(self) -> str:
        return f"{self.on} {self.title}"
