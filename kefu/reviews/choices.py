from django.db import models
from django.utils.translation import gettext_lazy as _


class Method(models.TextChoices):
    RANDOM = "random", _("Random")
    STRATIFIED = "stratified", _("Stratified")
    RISK = "risk", _("Aimed at risk")


class QuotaBasis(models.TextChoices):
    PER_AGENT = "per_agent", _("Per agent")
    TOTAL = "total", _("For the department")


class Period(models.TextChoices):
    MONTH = "month", _("Month")
    WEEK = "week", _("Week")
    DAY = "day", _("Day")


class Strata(models.TextChoices):
    TEAM = "team", _("Team")
    CHANNEL = "channel", _("Channel")
    TEAM_CHANNEL = "team_channel", _("Team × channel")


class RiskFactor(models.TextChoices):
    LOW_SCORE = "low_score", _("Low automatic score")
    FATAL = "fatal", _("Fatal hit")
    NEGATIVE_EMOTION = "negative_emotion", _("Negative emotion")
    COMPLAINT = "complaint", _("Complaint")
    LOW_CSAT = "low_csat", _("Low CSAT")


class RunTrigger(models.TextChoices):
    SCHEDULE = "schedule", _("Scheduled")
    MANUAL = "manual", _("Run now")


class Kind(models.TextChoices):
    SAMPLED = "sampled", _("Sampled")
    MANUAL = "manual", _("Picked by hand")
    MYSTERY_SHOPPER = "mystery", _("Mystery shopper")


class ReviewStatus(models.TextChoices):
    ASSIGNED = "assigned", _("Assigned")
    UNASSIGNED = "unassigned", _("Unassigned")
    DRAFT = "draft", _("In progress")
    SUBMITTED = "submitted", _("Reviewed")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_STATUSES = (ReviewStatus.ASSIGNED, ReviewStatus.UNASSIGNED, ReviewStatus.DRAFT)


class RevisionCause(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    EDITED = "edited", _("Corrected by the reviewer")
    APPEAL_UPHELD = "appeal_upheld", _("Appeal upheld")


class AppealStatus(models.TextChoices):
    OPEN = "open", _("Open")
    UPHELD = "upheld", _("Upheld")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class SessionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")
