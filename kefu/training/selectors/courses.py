"""Scoped reads of the course catalogue (kefu/training/apps.py registers the rules)."""

from __future__ import annotations

from django.db.models import QuerySet

from kefu.accounts.access import restrict
from kefu.accounts.roles import MANAGE_TRAINING
from kefu.training.models import Course


def listed_courses(user) -> QuerySet[Course]:
    """The catalogue's list: every course the user may see; an inactive course is the
    trainers' draft, listed to them only (the page and GET /api/v1/training/courses)."""
    qs = restrict(Course.objects.all(), user)
    return qs if user.has_perm(MANAGE_TRAINING) else qs.filter(active=True)
