"""The reserve team-lead pool's writes: adding an agent, and recording what became of an
entry (promoted or withdrawn). Managers only; audited; the agent is notified."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_noop

from kefu.accounts.models import Agent
from kefu.audit.actions import record as audit
from kefu.lib.errors import Conflict, Invalid
from kefu.notifications.actions import notify
from kefu.performance import links
from kefu.performance.actions._checks import require_manager
from kefu.performance.choices import PoolStatus
from kefu.performance.models import PoolEntry
from kefu.performance.selectors.promotion import standings

MAX_NOTE = 2000
OUTCOMES = (PoolStatus.PROMOTED, PoolStatus.WITHDRAWN)


def _note(note: str) -> str:
    cleaned = (note or "").strip()
    if len(cleaned) > MAX_NOTE:
        raise Invalid(gettext_noop("The note is too long (at most 2,000 characters)."))
    return cleaned


def add(agent: Agent, *, user, note: str = "", request: HttpRequest | None = None) -> PoolEntry:
    """Put the agent in the reserve pool. An agent who does not meet every criterion may
    be added only with a note saying why."""
    require_manager(user)
    cleaned = _note(note)
    (standing,) = standings(Agent.objects.filter(pk=agent.pk))
    if standing.entry is not None:
        raise Conflict(gettext_noop("This agent is already in the reserve pool."))
    if not standing.eligible and not cleaned:
        raise Invalid(
            gettext_noop("This agent does not meet every criterion: a note saying why is required.")
        )
    try:
        with transaction.atomic():
            entry = PoolEntry.objects.create(
                agent=agent, added_on=timezone.localdate(), added_by=user, note=cleaned
            )
    except IntegrityError:  # added by someone else meanwhile (one open entry per agent)
        raise Conflict(gettext_noop("This agent is already in the reserve pool.")) from None
    audit(
        "performance.pool",
        user=user,
        request=request,
        object_type="performance.pool_entry",
        object_id=str(entry.pk),
        detail={
            "agent": agent.external_id,
            "status": entry.status,
            "criteria": {c.code: c.met for c in standing.checks},
            "note": cleaned,
        },
    )
    if agent.user_id:
        notify(
            [agent.user_id],
            "performance.pool",
            gettext_noop("You were added to the reserve team-lead pool"),
            url=links.promotion(),
        )
    return entry


@transaction.atomic
def decide(
    entry: PoolEntry, outcome: str, *, user, note: str = "", request: HttpRequest | None = None
) -> PoolEntry:
    """Record that the entry's agent was promoted or withdrawn from the pool."""
    require_manager(user)
    if outcome not in OUTCOMES:
        raise Invalid(gettext_noop("The outcome must be promoted or withdrawn."))
    cleaned = _note(note)
    entry = PoolEntry.objects.select_for_update().select_related("agent").get(pk=entry.pk)
    if entry.status != PoolStatus.RESERVE:
        raise Conflict(gettext_noop("This entry has already left the reserve pool."))
    entry.status = outcome
    if outcome == PoolStatus.PROMOTED:
        entry.promoted_on = timezone.localdate()
    if cleaned:
        entry.note = f"{entry.note}\n{cleaned}".strip()
    entry.save(update_fields=["status", "promoted_on", "note"])
    audit(
        "performance.pool",
        user=user,
        request=request,
        object_type="performance.pool_entry",
        object_id=str(entry.pk),
        detail={"agent": entry.agent.external_id, "status": outcome, "note": cleaned},
    )
    if outcome == PoolStatus.PROMOTED and entry.agent.user_id:
        notify(
            [entry.agent.user_id],
            "performance.promoted",
            gettext_noop("Congratulations: you were promoted from the reserve team-lead pool"),
            url=links.promotion(),
        )
    return entry
