from django.db import models
from django.utils.translation import gettext_lazy as _

from kefu.assignment.core import router


class Strategy(models.TextChoices):
    LEAST_LOADED = router.LEAST_LOADED, _("Least loaded")
    ROUND_ROBIN = router.ROUND_ROBIN, _("Round robin")


class DecisionKind(models.TextChoices):
    ASSIGNED = "assigned", _("Assigned")
    QUEUED = "queued", _("Queued")
    OVERFLOWED = "overflowed", _("Assigned after overflow")
    REASSIGNED = "reassigned", _("Reassigned by a supervisor")
    RELEASED = "released", _("Released (conversation no longer open)")


class QueueStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    ASSIGNED = "assigned", _("Assigned")
    LEFT = "left", _("Left the queue (closed while waiting)")
