from django.db import models
from django.utils.translation import gettext_lazy as _


class Tier(models.TextChoices):
    NEW = "new", _("New hire")
    REGULAR = "regular", _("Regular")
    SENIOR = "senior", _("Senior")
    LEAD = "lead", _("Team lead")
    EXPERT = "expert", _("Expert")


class Role(models.TextChoices):
    """Roles are Django groups of these names; permissions hang off the groups."""

    AGENT = "agent", _("Agent")
    QA = "qa", _("QA specialist")
    SUPERVISOR = "supervisor", _("Supervisor")
    TRAINER = "trainer", _("Trainer")
    MANAGER = "manager", _("Manager")
    ADMIN = "admin", _("Administrator")
