from django.db import models
from django.utils.translation import gettext_lazy as _


class InterventionKind(models.TextChoices):
    LISTEN = "listen", _("silent listening")
    SUGGESTION = "suggestion", _("suggestion")
    TAKEOVER = "takeover", _("take-over")
    ESCALATE = "escalate", _("escalated to an expert")


class SuggestionStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    USED = "used", _("used")
    DISMISSED = "dismissed", _("dismissed")
