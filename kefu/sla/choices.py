from django.db import models
from django.utils.translation import gettext_lazy as _


class Measure(models.TextChoices):
    CALENDAR = "calendar", _("Calendar time")
    BUSINESS = "business", _("Business time")
