"""Scoped reads of QA results: who sees which results follows who sees which
conversations (`kefu/accounts/access.py`): agents their own, supervisors their teams',
QA / trainers / managers / admins everything, anybody else nothing."""

from __future__ import annotations

from django.db.models import QuerySet

from kefu.accounts.access import restrict
from kefu.qa.models import HitRollup, QaHit, QaResult, ResultRollup


def results_visible_to(user, *, current: bool = True) -> QuerySet[QaResult]:
    """QA results the user may see; only each conversation's current ones by default."""
    qs = QaResult.objects.all()
    return restrict(qs.filter(is_current=True) if current else qs, user)


def hits_visible_to(user, *, current: bool = True) -> QuerySet[QaHit]:
    """Hits of the QA results the user may see (current results only by default)."""
    qs = QaHit.objects.all()
    return restrict(qs.filter(is_current=True) if current else qs, user)


def result_rollups_visible_to(user) -> QuerySet[ResultRollup]:
    """Roll-ups of the current results the user may see (same scope: the rows carry
    agent_id and team_id like the results they sum)."""
    return restrict(ResultRollup.objects.all(), user)


def hit_rollups_visible_to(user) -> QuerySet[HitRollup]:
    return restrict(HitRollup.objects.all(), user)
