"""Hooks (connected in apps.py): routing follows the live path.

- Every written batch (inside its transaction): conversations no longer open free their
  agent's capacity and leave the queue; on a live write (the ingest API, a message) with
  routing on, new open conversations without an agent are routed, a routed one re-sent
  without an agent keeps it, and queued conversations whose next tier has opened
  overflow (opportunistically: `kefu routing_tick` does it every minute too).
- Capacity freed (a conversation closed) or an agent coming online: the queue is drained.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from kefu.assignment import actions, selectors
from kefu.interactions.choices import Status
from kefu.interactions.signals import conversations_written
from kefu.workforce.choices import PresenceState
from kefu.workforce.models import AgentPresence


@receiver(conversations_written, dispatch_uid="assignment-route")
def on_conversations_written(
    sender, conversation_ids: list[int], records: dict | None = None, live: bool = False, **kw
) -> None:
    if not conversation_ids:
        return
    freed = actions.release_closed(conversation_ids)
    if not live or not records or not selectors.config().settings.enabled:
        if freed:
            actions.drain()
        return
    new = [
        (pk, record)
        for pk, record in records.items()
        if record.status == Status.OPEN and not record.agent
    ]
    if new:
        ids = [pk for pk, _ in new]
        actions.keep_owner(ids)
        actions.route_new(selectors.arrival_rows(ids))
        _note_agents(records, ids)
    if freed:
        actions.drain()
    actions.drain(due_only=True, limit=10)


def _note_agents(records: dict, ids: list[int]) -> None:
    """The records the importer keeps for the next append (kefu.interactions.stored) name
    the routed agent, so an append does not write the conversation back without one."""
    agents = selectors.agent_external_ids(ids)
    for pk in ids:
        external_id = agents.get(pk)
        if external_id:
            records[pk].agent = external_id


@receiver(post_save, sender=AgentPresence, dispatch_uid="assignment-presence")
def on_presence_saved(sender, instance: AgentPresence, **kwargs) -> None:
    if instance.state == PresenceState.ONLINE and selectors.config().settings.enabled:
        transaction.on_commit(actions.drain)
