from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kefu.accounts.choices import Tier

LAST_USED_PRECISION = timedelta(minutes=1)


class Team(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    supervisors = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="supervised_teams",
        verbose_name=_("supervisors"),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self) -> str:
        return self.name


class Agent(models.Model):
    """A customer-service agent as the data knows them (external id from imports)."""

    external_id = models.CharField(_("agent id"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=100)
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="agents"
    )
    tier = models.CharField(_("tier"), max_length=16, choices=Tier.choices, blank=True)
    hired_on = models.DateField(_("hired on"), null=True, blank=True)
    supervisor = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="reports"
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="agent",
    )
    extra = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["external_id"]
        verbose_name = _("agent")
        verbose_name_plural = _("agents")

    def __str__(self) -> str:
        return f"{self.name} ({self.external_id})"


def _hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """Bearer token for the REST API; only its hash is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100)
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(_("prefix"), max_length=8)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    # None: the token does not expire (tokens issued before expiry existed keep working).
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    revoked = models.BooleanField(_("revoked"), default=False)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    @classmethod
    def issue(cls, user, name: str, expires_at=None) -> tuple[ApiToken, str]:
        secret = secrets.token_urlsafe(32)
        while secret.startswith("-"):  # the prefix is typed on a command line (--revoke)
            secret = secrets.token_urlsafe(32)
        raw = "kefu_" + secret
        token = cls.objects.create(
            user=user,
            name=name,
            key_hash=_hash_token(raw),
            prefix=raw[5:13],
            expires_at=expires_at,
        )
        return token, raw

    @classmethod
    def authenticate(cls, raw: str):
        now = timezone.now()
        token = (
            cls.objects.select_related("user")
            .filter(key_hash=_hash_token(raw), revoked=False, user__is_active=True)
            .filter(models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now))
            .first()
        )
        if token is None:
            return None
        # "last used" to the minute: a write on every call would slow live ingestion.
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_PRECISION:
            cls.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user
