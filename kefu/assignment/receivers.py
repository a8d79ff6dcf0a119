"""Hooks (connected in apps.py): routing follows the live path.

- Every written batch (inside its transaction): conversations no longer open free their
  agent's capacity and leave the queue; on a live write (the ingest API, a message) with
  routing on, new open conversations without an agent are routed, a routed one re-sent
  without an agent keeps it, and queued conversations whose next tier has opened
  overflow (opportunistically: `kefu routing_tick` does it every minute too).
- Capacity freed (a conversation closed) or an agent coming online: the queue is drained.
- An agent saved (their tier): the profiles are read again.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import timezone

from kefu.accounts.models import Agent
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
    records = records or {}
    # the records are as stored: only those no longer open can free a seat
    ended = [
        pk for pk in conversation_ids if pk not in records or records[pk].status != Status.OPEN
    ]
    freed = actions.release_closed(ended)
    if not live or not records:
        if freed:
            actions.drain()
        return
    new = [
        pk for pk, record in records.items() if record.status == Status.OPEN and not record.agent
    ]
    now = timezone.now()
    state = selectors.written(new, now)  # the version, overflow due, the new ones: one query
    cfg = selectors.config_at(state.version)
    if not cfg.settings.enabled:
        if freed:
            actions.drain()
        return
    if state.unowned:
        _note_agents(records, actions.route_written(state.unowned, cfg))
    if freed:
        actions.drain()
    if state.overflow_due:
        actions.drain(due_only=True, limit=10, now=now)


def _note_agents(records: dict, owners: dict[int, int]) -> None:
    """The records the importer keeps for the next append (kefu.interactions.stored) name
    the agent, so an append does not write the conversation back without one."""
    external = selectors.external_ids(owners.values())
    for pk, agent_id in owners.items():
        records[pk].agent = external[agent_id]


@receiver(post_save, sender=Agent, dispatch_uid="assignment-agent")
def on_agent_saved(sender, instance: Agent, **kwargs) -> None:
    """An agent's tier may have changed: this process reads the profiles again (other
    processes within `selectors.PROFILES_MAX_AGE_S`)."""
    selectors.forget()


@receiver(post_save, sender=AgentPresence, dispatch_uid="assignment-presence")
def on_presence_saved(sender, instance: AgentPresence, **kwargs) -> None:
    if instance.state == PresenceState.ONLINE and selectors.config().settings.enabled:
        transaction.on_commit(actions.drain)
