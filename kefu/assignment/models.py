"""Routing (分配) of live conversations: the settings and ordered rules managers edit,
each agent's routing profile (skills, capacity) and current load, the queue, the
conversations each agent holds, and every decision with its reasons.

The decision itself is the pure core's (`kefu.assignment.core.router`); the writes are
`kefu.assignment.actions`'s. docs/routing.md describes the whole.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kefu.accounts.models import Agent, Team
from kefu.assignment.choices import DecisionKind, QueueStatus, Strategy
from kefu.customers.choices import RiskLabel
from kefu.interactions.models import Conversation

USER = settings.AUTH_USER_MODEL


class RoutingSettings(models.Model):
    """One row (pk 1), edited by managers; without it, the defaults of an unsaved one."""

    enabled = models.BooleanField(_("routing on"), default=False)
    enabled_since = models.DateField(
        _("routing on since"),
        null=True,
        blank=True,
        help_text=_("the effect report compares the months before and after this day"),
    )
    strategy = models.CharField(
        _("strategy"), max_length=16, choices=Strategy.choices, default=Strategy.LEAST_LOADED
    )
    default_capacity = models.PositiveSmallIntegerField(
        _("default capacity (concurrent conversations per agent)"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(50)],
    )
    overflow_after_s = models.PositiveIntegerField(
        _("overflow to the next tier after (seconds)"),
        default=60,
        validators=[MaxValueValidator(86400)],
        help_text=_("0: every target tier at once"),
    )
    prefer_last_agent = models.BooleanField(_("prefer the customer's last agent"), default=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    FIELDS = (
        "enabled",
        "enabled_since",
        "strategy",
        "default_capacity",
        "overflow_after_s",
        "prefer_last_agent",
    )

    class Meta:
        verbose_name = _("routing settings")
        permissions = [("manage_routing", "Can edit routing settings, rules and agent skills")]

    @classmethod
    def current(cls) -> RoutingSettings:
        return cls.objects.filter(pk=1).first() or cls(pk=1)


class RoutingRule(models.Model):
    """Conditions on the arriving conversation (each filled one must hold; a list holds
    when any of its values does) and the target: dedicated agents, then tiers in overflow
    order. The first enabled rule by position that matches decides."""

    position = models.PositiveSmallIntegerField(_("order"), default=0)
    name = models.CharField(_("name"), max_length=50)
    enabled = models.BooleanField(_("enabled"), default=True)
    risk_labels = models.JSONField(_("risk labels"), default=list, blank=True)
    tags = models.ManyToManyField(
        "customers.Tag", blank=True, related_name="+", verbose_name=_("customer tags")
    )
    channels = models.JSONField(_("channels"), default=list, blank=True)
    product_lines = models.JSONField(_("product lines"), default=list, blank=True)
    languages = models.JSONField(_("languages"), default=list, blank=True)
    tiers = models.JSONField(_("target tiers, in overflow order"), default=list, blank=True)
    agents = models.ManyToManyField(
        Agent, blank=True, related_name="+", verbose_name=_("dedicated agents")
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")

    def __str__(self) -> str:
        return self.name


class AgentProfile(models.Model):
    """An agent's routing skills and capacity (no row: every skill, the default
    capacity)."""

    agent = models.OneToOneField(
        Agent, primary_key=True, on_delete=models.CASCADE, related_name="routing_profile"
    )
    channels = models.JSONField(_("channels"), default=list, blank=True)
    product_lines = models.JSONField(_("product lines"), default=list, blank=True)
    languages = models.JSONField(_("languages"), default=list, blank=True)
    capacity = models.PositiveSmallIntegerField(
        _("capacity"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(50)],
        help_text=_("empty: the default capacity"),
    )

    class Meta:
        verbose_name = _("agent routing profile")


class AgentLoad(models.Model):
    """How many open conversations routing has given the agent. Claimed with one
    conditional UPDATE (`active < capacity`), so two arrivals never overfill an agent."""

    agent = models.OneToOneField(
        Agent, primary_key=True, on_delete=models.CASCADE, related_name="routing_load"
    )
    active = models.PositiveIntegerField(default=0)
    # when routing last gave them a conversation (epoch seconds; 0: never): round-robin's
    # and least-loaded's tie-break order, read for every arrival (a number: no parsing)
    last_assigned = models.FloatField(default=0)

    class Meta:
        verbose_name = _("agent load")


class Assignment(models.Model):
    """A conversation an agent holds through routing (counted in their load) until it is
    no longer open."""

    conversation = models.OneToOneField(
        Conversation, primary_key=True, on_delete=models.CASCADE, related_name="assignment"
    )
    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["agent"], name="assignment_agent")]


class QueueEntry(models.Model):
    """A conversation waiting for an agent of its target pool."""

    conversation = models.OneToOneField(
        Conversation, primary_key=True, on_delete=models.CASCADE, related_name="queue_entry"
    )
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(
        max_length=8, choices=QueueStatus.choices, default=QueueStatus.WAITING
    )
    arrived_at = models.DateTimeField(_("arrived at"), default=timezone.now)
    target = models.CharField(_("waiting for"), max_length=16)  # a tier, dedicated or any
    step = models.PositiveSmallIntegerField(default=0)
    rule = models.ForeignKey(
        RoutingRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # when the next pool opens to it (None: no further pool)
    next_overflow_at = models.DateTimeField(null=True, blank=True)
    left_at = models.DateTimeField(null=True, blank=True)
    # what the customer was when it arrived (the queue card shows it): the stored risk
    # label ("" = not scored) and the ids of their tags
    risk_label = models.CharField(
        _("risk label at arrival"), max_length=8, choices=RiskLabel.choices, blank=True
    )
    tags = models.JSONField(_("customer tags at arrival"), default=list, blank=True)

    class Meta:
        ordering = ["arrived_at", "pk"]
        verbose_name = _("queued conversation")
        verbose_name_plural = _("queue")
        indexes = [
            models.Index(fields=["status", "arrived_at"], name="queue_status_arrived"),
            models.Index(fields=["status", "next_overflow_at"], name="queue_status_overflow"),
        ]


class RoutingDecision(models.Model):
    """One decision, with its reasons as data ({code, params}; docs/routing.md)."""

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="routing_decisions"
    )
    agent = models.ForeignKey(
        Agent, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(_("decision"), max_length=10, choices=DecisionKind.choices)
    target = models.CharField(_("target"), max_length=16, blank=True)
    rule = models.ForeignKey(
        RoutingRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reasons = models.JSONField(default=list)
    at = models.DateTimeField(_("decided at"), default=timezone.now)
    by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # the customer's stored risk when routing decided ("" = not scored yet); None when not
    # recorded (a reassignment, or a decision from before these were kept). The effect
    # report groups a conversation by its first decision's label.
    risk_label = models.CharField(
        _("risk label at arrival"), max_length=8, choices=RiskLabel.choices, null=True, blank=True
    )
    risk_score = models.SmallIntegerField(_("risk score at arrival"), null=True, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("routing decision")
        verbose_name_plural = _("routing decisions")
        indexes = [
            models.Index(fields=["conversation", "at"], name="decision_conversation_at"),
            models.Index(fields=["agent", "-at"], name="decision_agent_at"),
            models.Index(fields=["-at"], name="decision_at"),
        ]
