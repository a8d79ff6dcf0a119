from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from encrypted_fields.fields import EncryptedCharField

from kefu.accounts.models import Agent, Team
from kefu.interactions.choices import (
    Channel,
    EscalationLevel,
    ImportStatus,
    MessageRole,
    Status,
)


class Customer(models.Model):
    """One customer across every channel. Personal fields are encrypted at rest."""

    external_id = models.CharField(_("customer id"), max_length=64, unique=True)
    name = EncryptedCharField(_("name"), max_length=200, blank=True, null=True)
    phone = EncryptedCharField(_("phone"), max_length=64, blank=True, null=True)
    email = EncryptedCharField(_("email"), max_length=254, blank=True, null=True)
    # Keyed digests (HMAC) of the personal fields: exact look-up by phone and change
    # detection on re-import, both without decrypting.
    phone_digest = models.CharField(max_length=64, blank=True, db_index=True)
    name_digest = models.CharField(max_length=64, blank=True)
    email_digest = models.CharField(max_length=64, blank=True)
    segment = models.CharField(_("segment"), max_length=50, blank=True, db_index=True)
    extra = models.JSONField(default=dict, blank=True)
    # The names of the customer's tags, kept by kefu.customers (which owns tags) whenever a
    # tag is put on or taken off, so that the apps below it (service-level policies matched
    # on a tag) read them without importing it. Not part of the native format.
    tags = models.JSONField(_("tags"), default=list, blank=True, db_default=[])

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")

    def __str__(self) -> str:
        return self.external_id


class Conversation(models.Model):
    external_id = models.CharField(_("conversation id"), max_length=64, unique=True)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    # The composite indexes in Meta lead with these keys, so the FKs need none of their own
    # (fewer indexes to maintain on bulk import).
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="conversations", db_index=False
    )
    # Owner agent (KPIs are attributed to them) and the owner's team at import time.
    agent = models.ForeignKey(
        Agent,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="conversations",
        db_index=False,
    )
    team = models.ForeignKey(
        Team,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="conversations",
        db_index=False,
    )
    created_at = models.DateTimeField(_("created at"))
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    category1 = models.CharField(_("scene"), max_length=50, blank=True)
    category2 = models.CharField(_("problem"), max_length=100, blank=True)
    category3 = models.CharField(_("root cause"), max_length=100, blank=True)
    complaint = models.BooleanField(_("complaint"), default=False)
    escalated = models.BooleanField(_("escalated"), default=False)
    transferred = models.BooleanField(_("transferred"), default=False)

    csat = models.PositiveSmallIntegerField(_("CSAT"), null=True, blank=True)
    nps = models.PositiveSmallIntegerField(_("NPS answer"), null=True, blank=True)
    survey_at = models.DateTimeField(null=True, blank=True)
    survey_comment = models.TextField(blank=True)
    survey_extra = models.JSONField(null=True, blank=True)

    has_order = models.BooleanField(default=False)
    order_converted = models.BooleanField(null=True, blank=True)
    order_amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    order_currency = models.CharField(max_length=8, blank=True)
    order_extra = models.JSONField(null=True, blank=True)

    # Facts derived once at import (kefu.interactions.core.facts).
    first_customer_at = models.DateTimeField(null=True, blank=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    first_response_s = models.FloatField(null=True, blank=True)
    handle_time_s = models.FloatField(null=True, blank=True)
    message_count = models.PositiveIntegerField(default=0)
    customer_message_count = models.PositiveIntegerField(default=0)
    agent_message_count = models.PositiveIntegerField(default=0)

    extra = models.JSONField(default=dict, blank=True)
    content_hash = models.CharField(max_length=32)
    imported_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
        indexes = [
            models.Index(fields=["-created_at"], name="conv_created_desc"),
            models.Index(fields=["agent", "-created_at"], name="conv_agent_created"),
            models.Index(fields=["team", "-created_at"], name="conv_team_created"),
            models.Index(fields=["customer", "created_at"], name="conv_customer_created"),
            models.Index(fields=["channel", "-created_at"], name="conv_channel_created"),
            # Category filters come with the list's time order: (level, time) indexes let
            # the database read one page in order instead of sorting the whole category.
            models.Index(fields=["category1", "-created_at"], name="conv_scene_created"),
            models.Index(fields=["category2", "-created_at"], name="conv_problem_created"),
            # A team's scene (a supervisor's drill): on PostgreSQL at 1 M conversations the
            # planner otherwise walks the whole time index for a rare pair (team, scene),
            # 420 ms, or reads the team's every row, 180 ms; with it 0.2 ms.
            models.Index(
                fields=["team", "category1", "-created_at"], name="conv_team_scene_created"
            ),
        ]
        permissions = [
            ("view_all_conversations", "Can see every conversation"),
            ("view_personal_data", "Can see customers' personal data unmasked"),
            ("import_conversations", "Can import interaction files"),
            ("export_conversations", "Can export interactions"),
            ("ingest_conversations", "Can push conversations through the API"),
        ]

    def __str__(self) -> str:
        return self.external_id

    @property
    def category_path(self) -> list[str]:
        return [c for c in (self.category1, self.category2, self.category3) if c]


class Message(models.Model):
    # Covered by the (conversation, seq) unique index; messages are read per conversation.
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages", db_index=False
    )
    seq = models.PositiveIntegerField()
    external_id = models.CharField(max_length=64)
    role = models.CharField(max_length=10, choices=MessageRole.choices)
    agent = models.ForeignKey(
        Agent, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    at = models.DateTimeField()
    text = models.TextField(blank=True)
    start_s = models.FloatField(null=True, blank=True)
    end_s = models.FloatField(null=True, blank=True)
    extra = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["conversation", "seq"]
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "seq"], name="message_conversation_seq"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.conversation_id}/{self.external_id}"


class Transfer(models.Model):
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="transfers"
    )
    from_agent = models.ForeignKey(
        Agent, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    to_agent = models.ForeignKey(
        Agent, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField()

    class Meta:
        ordering = ["at"]


class Escalation(models.Model):
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="escalations"
    )
    level = models.CharField(max_length=12, choices=EscalationLevel.choices)
    at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["at"]


# No heartbeat this long: the worker was lost (KEFU_TASK_STALLED_AFTER_S, default 5 minutes).
STALLED_AFTER = timedelta(seconds=getattr(settings, "KEFU_TASK_STALLED_AFTER_S", 300))


class ImportJob(models.Model):
    """A file uploaded from the web, imported by a background task."""

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    file_name = models.CharField(max_length=255)
    file_format = models.CharField(max_length=24)
    stored_path = models.CharField(max_length=500)
    total_bytes = models.BigIntegerField(default=0)
    processed_bytes = models.BigIntegerField(default=0)
    status = models.CharField(
        max_length=10, choices=ImportStatus.choices, default=ImportStatus.QUEUED
    )
    read = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    failure = models.TextField(blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Set when a worker takes the job and after each batch; a running job whose
    # heartbeat stops was lost with its worker (killed, machine restarted).
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    @property
    def is_stalled(self) -> bool:
        """Queued or running with no sign of a worker for STALLED_AFTER."""
        if self.status not in (ImportStatus.QUEUED, ImportStatus.RUNNING):
            return False
        last_sign = self.heartbeat_at or self.created_at
        return timezone.now() - last_sign > STALLED_AFTER

    @property
    def can_retry(self) -> bool:
        return self.status == ImportStatus.FAILED or self.is_stalled

    @property
    def progress_percent(self) -> int:
        if self.status == ImportStatus.DONE:
            return 100
        if not self.total_bytes:
            return 0
        return min(99, int(self.processed_bytes * 100 / self.total_bytes))


class PersonalKey(models.Model):
    """An extra (unknown) key of the records that holds personal data: its values are
    stored encrypted and shown fully masked to users without `view_personal_data`.

    `path` is dotted and relative to a conversation record, as in the file: `crm.phone`,
    `customer.id_card`, `messages[].contact`, `order.receiver_phone`. Declaring a key
    applies to what is imported from then on; `kefu personal_keys --apply` encrypts
    the values already stored (docs/privacy.md).
    """

    path = models.CharField(
        _("key path"),
        max_length=200,
        unique=True,
        validators=[
            RegexValidator(
                r"^[^.\s\[\]]+(\[\])?(\.[^.\s\[\]]+(\[\])?)*$",
                _("A dotted key path such as crm.phone or messages[].contact."),
            )
        ],
        help_text=_(
            "Dotted path relative to a conversation record, e.g. crm.phone, "
            "customer.id_card, messages[].contact, order.receiver_phone."
        ),
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("declared at"), default=timezone.now)

    class Meta:
        ordering = ["path"]
        verbose_name = _("personal data key")
        verbose_name_plural = _("personal data keys")

    def __str__(self) -> str:
        return self.path


class SavedView(models.Model):
    """A user's named filter of the conversation list (我的视图): private to them. Only
    the list's own filter parameters are kept (`actions.save_view`); opening one sends
    the user to the list with the query string, where their scope applies as always."""

    MAX_PER_USER = 30

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views"
    )
    name = models.CharField(_("name"), max_length=60)
    query = models.CharField(_("filters"), max_length=2000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("saved view")
        constraints = [
            models.UniqueConstraint(fields=["user", "name"], name="saved_view_name_per_user")
        ]

    def __str__(self) -> str:
        return self.name
