"""Scoped reads of QA results: who sees which results follows who sees which
conversations (`kefu/accounts/scoping.py`): agents their own, supervisors their teams',
QA / trainers / managers / admins everything, anybody else nothing."""

from __future__ import annotations

from django.db.models import QuerySet

from kefu.accounts.scoping import scope_condition
from kefu.qa.models import HitRollup, QaHit, QaResult, ResultRollup


def results_visible_to(user, *, current: bool = True) -> QuerySet[QaResult]:
    """QA results the user may see; only each conversation's current ones by default."""
    qs = QaResult.objects.all()
    if current:
        qs = qs.filter(is_current=True)
    condition = scope_condition(user)
    return qs if condition is None else qs.filter(condition)


def hits_visible_to(user, *, current: bool = True) -> QuerySet[QaHit]:
    """Hits of the QA results the user may see (current results only by default)."""
    qs = QaHit.objects.all()
    if current:
        qs = qs.filter(is_current=True)
    condition = scope_condition(user)
    return qs if condition is None else qs.filter(condition)


def result_rollups_visible_to(user) -> QuerySet[ResultRollup]:
    """Roll-ups of the current results the user may see (same scope: the rows carry
    agent_id and team_id like the results they sum)."""
    condition = scope_condition(user)
    qs = ResultRollup.objects.all()
    return qs if condition is None else qs.filter(condition)


def hit_rollups_visible_to(user) -> QuerySet[HitRollup]:
    condition = scope_condition(user)
    qs = HitRollup.objects.all()
    return qs if condition is None else qs.filter(condition)
