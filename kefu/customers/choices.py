from django.db import models
from django.utils.translation import gettext_lazy as _

from kefu.customers.core import risk, winback


class RiskLabel(models.TextChoices):
    HIGH = risk.HIGH, _("High sensitivity")
    NORMAL = risk.NORMAL, _("Normal")
    LOW = risk.LOW, _("Low sensitivity")


class TagKind(models.TextChoices):
    MANUAL = "manual", _("Manual")
    RULE = "rule", _("Rule")


class ConditionKind(models.TextChoices):
    """The rule tags' condition kinds (kefu.customers.core.tags.KINDS)."""

    SPEND_AT_LEAST = "spend_at_least", _("Spend at least (amount) in the last (days)")
    NO_CONTACT_FOR = "no_contact_for", _("No contact for (days) after at least (contacts)")
    CONTACTS_AT_LEAST = "contacts_at_least", _("At least (count) contacts in the last (days)")
    COMPLAINTS_AT_LEAST = (
        "complaints_at_least",
        _("At least (count) complaints in the last (days)"),
    )
    RISK_LABEL = "risk_label", _("Risk label is")
    SEGMENT = "segment", _("Segment is")


class BacktestStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class WinbackGroup(models.TextChoices):
    """A win-back campaign member's group (kefu.customers.core.winback)."""

    CONTACT = winback.CONTACT, _("Contact")
    CONTROL = winback.CONTROL, _("Control (held back)")


class WinbackOutcome(models.TextChoices):
    """What the agent recorded after contacting (not whether the customer came back:
    that is measured from the data)."""

    NONE = "", _("Not contacted yet")
    REACHED = "reached", _("Reached")
    NOT_REACHED = "not_reached", _("Not reached")
    DECLINED = "declined", _("Declined")
    WON_BACK = "won_back", _("Won back")
