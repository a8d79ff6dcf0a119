from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    VIEW_PERSONAL_DATA = "view_personal_data", _("Viewed personal data")
    EXPORT = "export", _("Exported data")
    IMPORT = "import", _("Imported data")
    CHANGE_SETTINGS = "change_settings", _("Changed settings")
    LOGIN = "login", _("Logged in")
    LOGIN_FAILED = "login_failed", _("Failed log-in")
    LOCKED_OUT = "locked_out", _("Log-in locked after repeated failures")
    ISSUE_TOKEN = "issue_token", _("Issued an API token")
    QA_REVIEW = "qa_review", _("Human QA (review, appeal, calibration, sampling)")
    LISTEN = "listen", _("Listened to a live conversation")
    INTERVENE = "intervene", _("Intervened in a live conversation")
    TRAINING = "training", _("Training (grades, certificates, assignments)")
    KNOWLEDGE = "knowledge", _("Knowledge base (articles, reviews, change requests)")
    ACCESS = "access", _("Users, roles, teams and API tokens")


# Django's view permission of AuditLog; the roles that hold it: kefu.accounts.roles.
VIEW_AUDIT = "audit.view_auditlog"


class AuditLog(models.Model):
    at = models.DateTimeField(default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Kept when the user is later deleted, and for command-line actions (no user).
    actor = models.CharField(max_length=150)
    action = models.CharField(max_length=32, choices=AuditAction.choices, db_index=True)
    object_type = models.CharField(max_length=50, blank=True)
    object_id = models.CharField(max_length=100, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("audit log entry")
        verbose_name_plural = _("audit log")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.action}"
