"""Reads of the training app that other pages and apps rely on."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone

from kefu.accounts.models import Agent


def certified_agents(on: datetime | None = None) -> QuerySet[Agent]:
    """Agents holding a valid certificate at `on` (the performance app's promotion pool)."""
    on = on or timezone.now()
    return Agent.objects.filter(
        certificates__passed=True,
        certificates__issued_at__lte=on,
        certificates__expires_at__gt=on,
    ).distinct()
