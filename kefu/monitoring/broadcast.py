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

log = logging.getLogger(__name__)

ALL = "live.all"


def team_group(team_id: int | None) -> str:
    return f"live.team.{team_id or 0}"


def conversation_group(conversation_pk: int) -> str:
    return f"live.conv.{conversation_pk}"


def agent_group(agent_pk: int) -> str:
    return f"live.agent.{agent_pk}"


def send(groups: Sequence[str], event: dict) -> None:
    """Deliver an event to groups; a push that fails is logged, never raised (the stored
    alert or message is what counts; a console reads it when it reconnects)."""
    layer = get_channel_layer()
    if layer is None:
        return
    for group in dict.fromkeys(groups):
        try:
            async_to_sync(layer.group_send)(group, event)
        except Exception:
            log.warning("could not push %s to %s", event.get("type"), group, exc_info=True)


def conversation_changed(state, record, new_messages, alerts) -> None:
    """After a commit: the console rows, listeners and the agent's workspace learn of the
    new messages, the conversation's risk and any alerts."""
    from kefu.monitoring.live import alert_payload, message_payload, rule_names, state_payload

    last_text = new_messages[-1].text if new_messages else ""
    summary = state_payload(state, record.id, last_text)
    messages = [message_payload(m) for m in new_messages]
    watchers = [ALL, team_group(state.team_id)]
    send(watchers, {"type": "live.state", "state": summary})
    room = [conversation_group(state.pk)]
    if state.agent_id:
        room.append(agent_group(state.agent_id))
    if messages:
        send(room, {"type": "live.messages", "conversation": record.id, "messages": messages,
                    "state": summary})  # fmt: skip
    if alerts:
        names = rule_names()
        payloads = [alert_payload(a, names) | {"risk": state.risk} for a in alerts]
        send([*watchers, conversation_group(state.pk)], {"type": "live.alerts", "alerts": payloads})


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
