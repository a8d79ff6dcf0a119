from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    CHAT = "chat", _("Online chat")
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("Email")
    APP = "app", _("App")


class Status(models.TextChoices):
    OPEN = "open", _("Open")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


class MessageRole(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    AGENT = "agent", _("Agent")
    BOT = "bot", _("Bot")
    SYSTEM = "system", _("System")


class EscalationLevel(models.TextChoices):
    SUPERVISOR = "supervisor", _("Supervisor")
    EXPERT = "expert", _("Expert team")
    DEPARTMENT = "department", _("Other department")


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
