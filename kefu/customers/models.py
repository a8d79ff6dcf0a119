"""Customers (客户): the risk index stored per customer, the weights managers edit,
tags in groups (manual and rule tags), back-test runs, and win-back campaigns.

The score is computed by the pure core (`kefu.customers.core.risk`) from each
customer's history and kept in `CustomerRisk`, recomputed for the customers an import
or a live message touches (`kefu.customers.refresh`) and for everyone by
`kefu customers_risk`.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kefu.accounts.models import Agent
from kefu.customers.choices import (
    BacktestStatus,
    RiskLabel,
    TagKind,
    WinbackGroup,
    WinbackOutcome,
)
from kefu.customers.core import risk, winback
from kefu.interactions.models import Customer

USER = settings.AUTH_USER_MODEL
DEFAULTS = risk.DEFAULT_WEIGHTS


def _days(label, default: int) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(
        label, default=default, validators=[MinValueValidator(1), MaxValueValidator(3660)]
    )


def _points(label, default: int) -> models.SmallIntegerField:
    return models.SmallIntegerField(
        label, default=default, validators=[MinValueValidator(-100), MaxValueValidator(100)]
    )


def _cap(label, default: int) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(
        label, default=default, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )


class RiskSettings(models.Model):
    """The risk index's weights, windows, caps and thresholds (one row, created by a
    migration; managers edit it). Field names are those of `core.risk.Weights`."""

    complaint_days = _days(_("complaints: window (days)"), DEFAULTS.complaint_days)
    complaint_points = _points(_("complaints: points each"), DEFAULTS.complaint_points)
    complaint_cap = _cap(_("complaints: counted at most"), DEFAULTS.complaint_cap)
    escalation_days = _days(_("escalations: window (days)"), DEFAULTS.escalation_days)
    escalation_points = _points(_("escalations: points each"), DEFAULTS.escalation_points)
    escalation_cap = _cap(_("escalations: counted at most"), DEFAULTS.escalation_cap)
    repeat_days = _days(_("repeat contacts: window (days)"), DEFAULTS.repeat_days)
    repeat_points = _points(_("repeat contacts: points each"), DEFAULTS.repeat_points)
    repeat_cap = _cap(_("repeat contacts: counted at most"), DEFAULTS.repeat_cap)
    negative_days = _days(_("negative emotion: window (days)"), DEFAULTS.negative_days)
    negative_points = _points(
        _("negative emotion: points at a share of 100 %"), DEFAULTS.negative_points
    )
    low_satisfaction_days = _days(
        _("low CSAT / detractor NPS: window (days)"), DEFAULTS.low_satisfaction_days
    )
    low_satisfaction_points = _points(
        _("low CSAT / detractor NPS: points each"), DEFAULTS.low_satisfaction_points
    )
    low_satisfaction_cap = _cap(
        _("low CSAT / detractor NPS: counted at most"), DEFAULTS.low_satisfaction_cap
    )
    spend_days = _days(_("spend: window (days)"), DEFAULTS.spend_days)
    spend_threshold = models.PositiveIntegerField(
        _("spend: at least (order amount)"),
        default=DEFAULTS.spend_threshold,
        validators=[MaxValueValidator(10**9)],
    )
    spend_points = _points(_("spend: points"), DEFAULTS.spend_points)
    recent_days = _days(_("recent contact: within (days)"), DEFAULTS.recent_days)
    recent_points = _points(_("recent contact: points"), DEFAULTS.recent_points)
    high_at = models.SmallIntegerField(
        _("high sensitivity at (points)"),
        default=DEFAULTS.high_at,
        validators=[MinValueValidator(-1000), MaxValueValidator(1000)],
    )
    low_below = models.SmallIntegerField(
        _("low sensitivity below (points)"),
        default=DEFAULTS.low_below,
        validators=[MinValueValidator(-1000), MaxValueValidator(1000)],
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    WEIGHT_FIELDS = tuple(risk.Weights.__dataclass_fields__)

    class Meta:
        verbose_name = _("risk index settings")
        permissions = [
            ("manage_risk", "Can edit the risk index, tag definitions and run back-tests"),
            ("tag_customers", "Can put manual tags on customers"),
        ]

    @classmethod
    def current(cls) -> RiskSettings:
        """The settings row (a migration creates it); a read never writes: without the
        row, the defaults of an unsaved one."""
        return cls.objects.filter(pk=1).first() or cls(pk=1)

    def weights(self) -> risk.Weights:
        return risk.Weights.from_dict({f: getattr(self, f) for f in self.WEIGHT_FIELDS})


class CustomerRisk(models.Model):
    """A customer's stored score, label and reasons, and the history card's profile."""

    customer = models.OneToOneField(
        Customer, primary_key=True, on_delete=models.CASCADE, related_name="risk"
    )
    score = models.SmallIntegerField(_("risk score"))
    label = models.CharField(_("risk label"), max_length=8, choices=RiskLabel.choices)
    # [{code, points, values, settings}] (core.risk.Reason.as_dict); values are personal
    reasons = models.JSONField(default=list)
    as_of = models.DateTimeField(_("as of"))
    computed_at = models.DateTimeField(_("computed at"), default=timezone.now)
    contacts = models.PositiveIntegerField(default=0)
    spend = models.DecimalField(max_digits=14, decimal_places=2, default=0)  # in spend_days
    first_contact_at = models.DateTimeField(null=True, blank=True)
    last_contact_at = models.DateTimeField(null=True, blank=True)
    preferred_channel = models.CharField(max_length=8, blank=True)
    preferred_hour = models.PositiveSmallIntegerField(null=True, blank=True)
    last_complaint_at = models.DateTimeField(null=True, blank=True)
    last_complaint_conversation = models.CharField(max_length=64, blank=True)
    last_complaint_category = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = _("customer risk")
        indexes = [
            models.Index(fields=["label", "-score"], name="customerrisk_label_score"),
            models.Index(fields=["-score"], name="customerrisk_score"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.label} {self.score}"


class RiskSnapshot(models.Model):
    """A customer's score and label as of the first day of a month (local midnight),
    computed from their history before it (`refresh.snapshot_months`): what the
    customer was when that month's conversations arrived, for the routing effect report.
    A customer without a contact before the month has no row (their score was 0)."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    month = models.DateField(_("month"))  # its first day
    score = models.SmallIntegerField(_("risk score"))
    label = models.CharField(_("risk label"), max_length=8, choices=RiskLabel.choices)

    class Meta:
        verbose_name = _("monthly risk label")
        constraints = [
            models.UniqueConstraint(fields=["customer", "month"], name="risksnapshot_once")
        ]
        indexes = [models.Index(fields=["month", "label"], name="risksnapshot_month_label")]


class RiskSnapshotMonth(models.Model):
    """A month whose snapshots were computed: its customers without a row had no
    contact before it. A month without this row is unknown (not computed)."""

    month = models.DateField(_("month"), primary_key=True)  # its first day
    customers = models.PositiveIntegerField(default=0)  # with a contact before the month
    high = models.PositiveIntegerField(default=0)
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["month"]
        verbose_name = _("month of risk labels")


class PendingRisk(models.Model):
    """A conversation written since its customer was last scored (queued by the import
    hook inside each batch; `refresh.refresh_pending` works it off). `mark` changes each
    time it is queued, so a refresh takes it off the queue only if nobody wrote the
    conversation again while its customer was being scored."""

    conversation_id = models.BigIntegerField(primary_key=True)
    mark = models.BigIntegerField(default=0, db_default=0)


class TagGroup(models.Model):
    """A dimension of tags (价值, 生命周期, 偏好 …)."""

    name = models.CharField(_("name"), max_length=50, unique=True)
    description = models.CharField(_("description"), max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("tag group")
        verbose_name_plural = _("tag groups")

    def __str__(self) -> str:
        return self.name


class Tag(models.Model):
    """A manual tag (put on customers by hand) or a rule tag (its rule decides, at every
    risk computation): `rule` is a list of conditions (kefu.customers.core.tags)."""

    group = models.ForeignKey(TagGroup, on_delete=models.PROTECT, related_name="tags")
    name = models.CharField(_("name"), max_length=50)
    kind = models.CharField(_("kind"), max_length=8, choices=TagKind.choices)
    rule = models.JSONField(_("rule"), default=list, blank=True)
    description = models.CharField(_("description"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["group__position", "group__name", "name"]
        verbose_name = _("customer tag")
        verbose_name_plural = _("customer tags")
        constraints = [
            models.UniqueConstraint(fields=["group", "name"], name="customers_tag_unique_name")
        ]

    def __str__(self) -> str:
        return f"{self.group.name}: {self.name}"


class CustomerTag(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="tag_links")
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="links")
    added_at = models.DateTimeField(default=timezone.now)
    added_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["customer", "tag"], name="customers_tag_once")
        ]
        indexes = [models.Index(fields=["tag", "customer"], name="customertag_tag")]


class Backtest(models.Model):
    """One run of the back-test (`core.backtest.run`), its figures kept as computed."""

    as_of = models.DateField(_("as of"))
    horizon_days = models.PositiveSmallIntegerField(
        _("horizon (days)"), validators=[MinValueValidator(1), MaxValueValidator(365)]
    )
    windows = models.PositiveSmallIntegerField(
        _("windows pooled"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
        help_text=_("consecutive windows ending at the date, pooled for steadier figures"),
    )
    status = models.CharField(
        max_length=8, choices=BacktestStatus.choices, default=BacktestStatus.QUEUED
    )
    result = models.JSONField(null=True, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("risk back-test")


class WinbackCampaign(models.Model):
    """A win-back list: the customers carrying all of `tags` when it was created, split
    into a contact group and a held-back control group (kefu.customers.core.winback);
    whether each came back within `window_days` of `starts_on` is measured from the
    data."""

    name = models.CharField(_("name"), max_length=100)
    description = models.CharField(_("description"), max_length=300, blank=True)
    tags = models.ManyToManyField(Tag, related_name="+", verbose_name=_("tags (all of)"))
    # The tags' names when it was created (a tag may be renamed or deleted later).
    criteria = models.JSONField(default=list, blank=True)
    starts_on = models.DateField(_("starts on"))
    window_days = models.PositiveSmallIntegerField(
        _("came back within (days)"),
        default=winback.DEFAULT_WINDOW_DAYS,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )
    control_share = models.FloatField(
        _("control share"),
        default=winback.DEFAULT_CONTROL_SHARE,
        validators=[MinValueValidator(0), MaxValueValidator(0.5)],
    )
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-starts_on", "-pk"]
        verbose_name = _("win-back campaign")
        verbose_name_plural = _("win-back campaigns")

    def __str__(self) -> str:
        return self.name


class WinbackMember(models.Model):
    """One customer of a campaign: their group, the agent who contacts them (the agent
    of their newest conversation), and the outcome the agent recorded."""

    campaign = models.ForeignKey(WinbackCampaign, on_delete=models.CASCADE, related_name="members")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    group = models.CharField(_("group"), max_length=8, choices=WinbackGroup.choices)
    agent = models.ForeignKey(
        Agent, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    outcome = models.CharField(
        _("outcome"), max_length=12, choices=WinbackOutcome.choices, blank=True, default=""
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    outcome_at = models.DateTimeField(null=True, blank=True)
    outcome_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["campaign", "group", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "customer"], name="winback_member_once")
        ]
        indexes = [models.Index(fields=["agent", "campaign"], name="winback_member_agent")]
