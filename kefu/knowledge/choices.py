from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    FAQ = "faq", _("FAQ")
    ARTICLE = "article", _("Article")
    SOP = "sop", _("SOP")


class State(models.TextChoices):
    """The head version's state: a published article being revised keeps its published
    version readable while the revision is a draft or in review."""

    DRAFT = "draft", _("Draft")
    REVIEW = "review", _("In review")
    PUBLISHED = "published", _("Published")
    ARCHIVED = "archived", _("Archived")


class RequestKind(models.TextChoices):
    """KCS "flag it or fix it": flag (something is wrong or outdated), fix (with the
    proposed correction), new (no article answers this)."""

    FLAG = "flag", _("Flag: wrong or outdated")
    FIX = "fix", _("Fix: proposed correction")
    NEW = "new", _("New article needed")


class RequestStatus(models.TextChoices):
    OPEN = "open", _("Open")
    RESOLVED = "resolved", _("Resolved by a published update")
    DECLINED = "declined", _("Declined")


class SearchSource(models.TextChoices):
    PAGE = "page", _("Search page")
    WORKSPACE = "workspace", _("Suggestions in a conversation")
    API = "api", _("API")
