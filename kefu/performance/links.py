"""Addresses the fairness pages link to, some of them on pages other areas build (the
cycle page, an agent's review breakdown): None while such a page does not exist."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from django.urls import NoReverseMatch, reverse


def _maybe(name: str, **kwargs: int) -> str | None:
    try:
        return reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        return None


def review(cycle_id: int, agent_id: int) -> str | None:
    """An agent's review breakdown in a cycle (`performance:review`)."""
    return _maybe("performance:review", cycle_id=cycle_id, agent_id=agent_id)


def cycle(cycle_id: int) -> str | None:
    """A cycle's page: its ranking with the "not distinguishable" groups (`performance:cycle`)."""
    return _maybe("performance:cycle", cycle_id=cycle_id)


def transparency() -> str:
    return reverse("performance:transparency")


def conversations(agent_external_id: str, start: date, end: date) -> str:
    """The conversation list of one agent over a period."""
    query = {"agent": agent_external_id, "date_from": start.isoformat(), "date_to": end.isoformat()}
    return reverse("interactions:conversation_list") + "?" + urlencode(query)


def promotion() -> str:
    return reverse("performance:promotion")
