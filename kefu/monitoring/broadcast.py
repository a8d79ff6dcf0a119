"""Pushes over the channel layer (in-memory in one process, Redis across many).

Groups:
- `live.all` and `live.team.<id>`: supervisor consoles (every team / one team);
- `live.conv.<pk>`: supervisors listening to one conversation (the agent is not told);
- `live.agent.<pk>`: an agent's workspace.

Every payload is built once here with personal data masked, so what a group receives
does not depend on who is in it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from kefu.accounts import access

log = logging.getLogger(__name__)

ALL = "live.all"


def team_group(team_id: int | None) -> str:
    return f"live.team.{team_id or 0}"


def conversation_group(conversation_pk: int) -> str:
    return f"live.conv.{conversation_pk}"


def agent_group(agent_pk: int) -> str:
    return f"live.agent.{agent_pk}"


def console_groups(user) -> list[str]:
    """The console groups of a monitor: every team's or their teams' (none: refused)."""
    if access.monitors_all(user):
        return [ALL]
    return [team_group(t) for t in access.monitored_team_ids(user)]


def send(groups: Sequence[str], event: dict) -> None:
    """Deliver an event to groups (each copy names its group, for the hubs that fan it
    out); a push that fails is logged, never raised (the stored alert or message is what
    counts; a page reads it when it reconnects)."""
    send_many([(group, event) for group in dict.fromkeys(groups)])


def send_many(pairs: Sequence[tuple[str, dict]]) -> bool:
    """(group, event) pairs in one trip to the event loop; whether every push went out."""
    layer = get_channel_layer()
    if layer is None or not pairs:
        return True  # no channel layer: no console to push to

    async def deliver() -> bool:
        sent = True
        for group, event in pairs:
            try:
                await layer.group_send(group, {**event, "group": group})
            except Exception:
                sent = False
                log.warning("could not push %s to %s", event.get("type"), group, exc_info=True)
        return sent

    return async_to_sync(deliver)()


def conversations_ended(conversation_pks: Sequence[int]) -> None:
    from kefu.interactions.models import Conversation
    from kefu.monitoring.models import LiveState

    rows = LiveState.objects.filter(pk__in=list(conversation_pks)).values_list(
        "pk", "team_id", "agent_id"
    )
    external = dict(
        Conversation.objects.filter(pk__in=list(conversation_pks)).values_list("pk", "external_id")
    )
    for pk, team_id, agent_id in rows:
        event = {"type": "live.ended", "conversation": external.get(pk, "")}
        groups = [ALL, team_group(team_id), conversation_group(pk)]
        if agent_id:
            groups.append(agent_group(agent_id))
        send(groups, event)
