from django.db import models
from django.utils.translation import gettext_lazy as _


class RosterStatus(models.TextChoices):
    OPTIMAL = "optimal", _("Optimal")
    FEASIBLE = "feasible", _("Feasible (time limit reached)")
    INFEASIBLE = "infeasible", _("No roster possible")
    UNKNOWN = "unknown", _("No roster found in time")


WEEKDAYS = [
    (0, _("Mon")),
    (1, _("Tue")),
    (2, _("Wed")),
    (3, _("Thu")),
    (4, _("Fri")),
    (5, _("Sat")),
    (6, _("Sun")),
]
