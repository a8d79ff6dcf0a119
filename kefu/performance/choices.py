from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Dimension(models.TextChoices):
    """The balanced scorecard's four dimensions, plus customer NPS beside them."""

    EFFICIENCY = "efficiency", pgettext_lazy("performance dimension", "Efficiency")
    QUALITY = "quality", pgettext_lazy("performance dimension", "Quality")
    DEVELOPMENT = "development", pgettext_lazy("performance dimension", "Development")
    COMPLIANCE = "compliance", pgettext_lazy("performance dimension", "Compliance")
    NPS = "nps", _("NPS")


class CycleKind(models.TextChoices):
    MONTH = "month", _("Monthly")
    QUARTER = "quarter", _("Quarterly")
    YEAR = "year", _("Annual")


class CycleStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CALIBRATING = "calibrating", _("Calibrating")
    CLOSED = "closed", _("Closed")


class Mapping(models.TextChoices):
    """How an indicator's figure becomes a 0–100 score."""

    LINEAR = "linear", _("Linear between floor and target")
    BANDS = "bands", _("Bands")


class Relation(models.TextChoices):
    """Who a 360-degree rater is to the person rated."""

    SELF = "self", _("Self")
    PEER = "peer", _("Peer")
    SUPERVISOR = "supervisor", _("Supervisor")
    OTHER_TEAM = "other_team", _("Other team")


class PlanStatus(models.TextChoices):
    OPEN = "open", _("Open")
    SUCCEEDED = "succeeded", _("Succeeded")
    NOT_MET = "not_met", _("Not met")
    CANCELLED = "cancelled", _("Cancelled")


class PoolStatus(models.TextChoices):
    RESERVE = "reserve", _("In the reserve pool")
    PROMOTED = "promoted", _("Promoted")
    WITHDRAWN = "withdrawn", _("Withdrawn")
