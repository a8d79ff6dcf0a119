"""Every view of another person's review is audited (who opened whose what, when)."""

from __future__ import annotations

from collections.abc import Iterable

from django.http import HttpRequest

from kefu.accounts.access import own_agent_id
from kefu.accounts.models import Agent
from kefu.audit.actions import record


def audit_view(request: HttpRequest, agent: Agent | int, what: str) -> None:
    """Record that the user opened `what` ("review", "ratings", "interview", "plan", …)
    of `agent`, unless it is their own."""
    agent_id = agent if isinstance(agent, int) else agent.pk
    if own_agent_id(request.user) == agent_id:
        return
    record(
        "performance.view",
        request=request,
        object_type="performance." + what,
        object_id=str(agent_id),
        detail={"agent": agent_id, "what": what, "path": request.path},
    )


def audit_views(request: HttpRequest, agent_ids: Iterable[int], what: str) -> None:
    """A page listing several people's reviews (the calibration meeting, the promotion
    candidates): one entry naming every other agent shown; none when only the user's own."""
    own = own_agent_id(request.user)
    others = sorted({pk for pk in agent_ids if pk != own})
    if not others:
        return
    record(
        "performance.view",
        request=request,
        object_type="performance." + what,
        object_id="",
        detail={"agents": others, "what": what, "path": request.path},
    )
