"""Live monitoring: the live rules, each live conversation's state (risk), the alerts
raised message by message, the suggestion library and every supervisor intervention.

Alerts, states and interventions copy the conversation's agent and team so the one set of
access rules (`kefu.accounts.access`, registered in apps.py) apply to them too.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kefu.accounts.models import Agent, Team
from kefu.interactions.models import Conversation
from kefu.monitoring.choices import InterventionKind, SuggestionStatus


class LiveRule(models.Model):
    """A QA indicator evaluated live: its hits raise alerts on the supervisor console."""

    indicator = models.SlugField(_("indicator id"), max_length=64, unique=True)
    enabled = models.BooleanField(_("enabled"), default=True)
    sound = models.BooleanField(_("sound on the console"), default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["indicator"]
        permissions = [("monitor_all", "Monitor every team's live conversations")]

    def __str__(self) -> str:
        return self.indicator


class LiveState(models.Model):
    """What the console shows of a conversation that is live (not closed)."""

    conversation = models.OneToOneField(
        Conversation, primary_key=True, on_delete=models.CASCADE, related_name="live"
    )
    agent = models.ForeignKey(Agent, null=True, on_delete=models.SET_NULL, related_name="+")
    team = models.ForeignKey(Team, null=True, on_delete=models.SET_NULL, related_name="+")
    risk = models.PositiveSmallIntegerField(default=0)
    rules = models.JSONField(default=dict)  # live rule → severity, of every alert so far
    waiting_since = models.DateTimeField(null=True, blank=True)  # customer awaiting an answer
    # when that answer falls due under the conversation's service-level policy, and how
    # long before it the wait shows "about to breach" (kefu.monitoring.core.live)
    sla_due = models.DateTimeField(null=True, blank=True)
    sla_warn_s = models.PositiveIntegerField(null=True, blank=True)
    last_message_at = models.DateTimeField(null=True, blank=True)
    message_count = models.PositiveIntegerField(default=0)
    is_live = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            models.Index(fields=["is_live", "team", "-risk"], name="livestate_team_risk"),
            models.Index(fields=["is_live", "agent"], name="livestate_agent"),
        ]


class Alert(models.Model):
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="alerts")
    rule = models.CharField(_("rule"), max_length=64)
    message_id = models.CharField(_("message"), max_length=64)  # the message that raised it
    severity = models.CharField(_("severity"), max_length=8)
    type = models.CharField(_("problem type"), max_length=16)
    evidence = models.TextField(_("evidence"), blank=True)
    messages = models.JSONField(default=list)  # every message the rule rests on so far
    occurrences = models.PositiveSmallIntegerField(default=1)
    agent = models.ForeignKey(Agent, null=True, on_delete=models.SET_NULL, related_name="+")
    team = models.ForeignKey(Team, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("raised at"), auto_now_add=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    # When it was pushed to the consoles. An alert stored but never pushed (its web process
    # died between the commit and the push) is pushed by `kefu live_push_missed`.
    pushed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            # Evaluating a message again (a retry, a restart) raises nothing new.
            models.UniqueConstraint(
                fields=["conversation", "rule", "message_id"], name="alert_once_per_message"
            )
        ]
        indexes = [
            models.Index(fields=["team", "-created_at"], name="alert_team_recent"),
            models.Index(fields=["agent", "-created_at"], name="alert_agent_recent"),
            models.Index(fields=["-created_at"], name="alert_recent"),
            models.Index(
                fields=["created_at"],
                name="alert_not_pushed",
                condition=models.Q(pushed_at__isnull=True),
            ),
        ]


class SuggestionTemplate(models.Model):
    """A sentence supervisors send often (话术库)."""

    text = models.TextField(_("text"))
    category = models.CharField(_("category"), max_length=50, blank=True)
    enabled = models.BooleanField(_("enabled"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["category", "pk"]

    def __str__(self) -> str:
        return self.text[:40]


class Intervention(models.Model):
    """A supervisor acting on a live conversation: listening, a suggestion to the agent,
    taking over, escalating to an expert. Its outcome is read from the conversation
    afterwards (kefu/monitoring/core/outcomes.py)."""

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="interventions"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=InterventionKind.choices)
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    alert = models.ForeignKey(Alert, null=True, blank=True, on_delete=models.SET_NULL)
    template = models.ForeignKey(
        SuggestionTemplate, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField(_("text"), blank=True)
    agent = models.ForeignKey(Agent, null=True, on_delete=models.SET_NULL, related_name="+")
    team = models.ForeignKey(Team, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(
        max_length=10, choices=SuggestionStatus.choices, blank=True
    )  # suggestions only
    responded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["team", "created_at"], name="intervention_team"),
            models.Index(fields=["supervisor", "created_at"], name="intervention_supervisor"),
            models.Index(fields=["created_at"], name="intervention_created"),
        ]
