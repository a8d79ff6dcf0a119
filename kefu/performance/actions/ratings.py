"""Writes of behaviourally anchored ratings (行为锚定法) and of their scales.

A supervisor (their teams' agents) or a manager (every agent) rates one behaviour of an
agent in a cycle on a scale's levels, with at least one conversation of that agent in
the cycle's period as evidence — a conversation the rater may open. One rating per rater,
agent, scale and cycle: rating again changes it (until the cycle is closed). `blind`
records that the rater rated without seeing the agent's name. The agent is notified
(the immediate feedback rhythm); every rating and every scale change is audited.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext_noop

from kefu.accounts.access import conversations_visible_to
from kefu.accounts.models import Agent
from kefu.accounts.roles import MANAGE_PERFORMANCE
from kefu.core import periods
from kefu.interactions.models import Conversation
from kefu.lib.errors import Invalid, NotAllowed
from kefu.lib.localtime import configured_tz
from kefu.performance.actions._common import (
    audit,
    require_appraisable,
    require_open,
    tell_agent,
    text,
)
from kefu.performance.models import BarsRating, BarsScale, Cycle

MAX_EVIDENCE = 10
NOT_EVIDENCE = gettext_noop(
    "Evidence must be conversations of this agent in the cycle's period that you may open."
)
CODE = re.compile(r"[a-z0-9_-]{1,32}")
MIN_LEVELS, MAX_LEVELS = 2, 7


def cycle_conversations(cycle: Cycle, agent: Agent, user):
    """The agent's conversations in the cycle's period that the user may open (the
    evidence one may link)."""
    return conversations_visible_to(user).filter(
        agent=agent, **periods.lookups("created_at", cycle.start, cycle.end, configured_tz())
    )


def level_numbers(scale: BarsScale) -> list[int]:
    return [int(level["level"]) for level in scale.levels or []]


@transaction.atomic
def rate(
    *,
    cycle: Cycle,
    agent: Agent,
    scale: BarsScale,
    level: int,
    evidence: Sequence[int],
    user,
    comment: str = "",
    blind: bool = False,
) -> BarsRating:
    """Record (or change) the user's rating of `agent`'s behaviour `scale` in `cycle`;
    `evidence`: conversation ids."""
    require_appraisable(agent, user)
    require_open(cycle)
    if not scale.active:
        raise Invalid(gettext_noop("This behaviour scale is not in use."))
    if level not in level_numbers(scale):
        raise Invalid(gettext_noop("Choose one of the scale's levels."))
    ids = sorted({int(pk) for pk in evidence})
    if not ids:
        raise Invalid(
            gettext_noop("Link at least one conversation of the agent in the cycle as evidence.")
        )
    if len(ids) > MAX_EVIDENCE:
        raise Invalid(gettext_noop("Link at most 10 conversations as evidence."))
    found = set(
        cycle_conversations(cycle, agent, user).filter(pk__in=ids).values_list("pk", flat=True)
    )
    if found != set(ids):
        raise Invalid(NOT_EVIDENCE)
    rating, created = BarsRating.objects.update_or_create(
        cycle=cycle,
        agent=agent,
        scale=scale,
        rater=user,
        defaults={"level": level, "comment": text(comment), "blind": bool(blind)},
    )
    rating.evidence.set(ids)
    audit(
        "performance.rating",
        user,
        rating,
        agent=agent.pk,
        cycle=cycle.pk,
        scale=scale.code,
        level=level,
        blind=rating.blind,
        evidence=ids,
        changed=not created,
    )
    tell_agent(
        agent,
        "performance.rating",
        gettext_noop("Behaviour rating recorded: %(scale)s, %(cycle)s"),
        reverse("performance:rating", args=[rating.pk]),
        scale=scale.name,
        cycle=cycle.name,
    )
    return rating


def evidence_of(ratings: Iterable[BarsRating]) -> dict[int, list[Conversation]]:
    """rating id → its evidence conversations (one query)."""
    through = BarsRating.evidence.through
    rows = through.objects.filter(barsrating_id__in=[r.pk for r in ratings]).select_related(
        "conversation"
    )
    out: dict[int, list[Conversation]] = {}
    for row in rows:
        out.setdefault(row.barsrating_id, []).append(row.conversation)
    return out


# --- scales ------------------------------------------------------------------------------
@transaction.atomic
def save_scale(data: Mapping[str, Any], *, user, scale: BarsScale | None = None) -> BarsScale:
    """Create or change a scale: code (new scales only), name, description, anchors (one
    text per level, lowest first), evidence_source, active. Managers only."""
    if not (user.is_authenticated and user.has_perm(MANAGE_PERFORMANCE)):
        raise NotAllowed(gettext_noop("Only managers may change the behaviour scales."))
    before = None if scale is None else {"name": scale.name, "levels": scale.levels}
    if scale is None:
        code = text(data.get("code"), 33)
        if not CODE.fullmatch(code):
            raise Invalid(
                gettext_noop("A code of lower-case letters, digits, - and _ is required.")
            )
        if BarsScale.objects.filter(code=code).exists():
            raise Invalid(gettext_noop("A scale with this code exists."))
        scale = BarsScale(code=code)
    scale.name = text(data.get("name", scale.name), 60)
    if not scale.name:
        raise Invalid(gettext_noop("A name is required."))
    scale.description = text(data.get("description", scale.description))
    anchors = [text(a, 500) for a in data.get("anchors", [lv["anchor"] for lv in scale.levels])]
    while anchors and not anchors[-1]:
        anchors.pop()
    if not MIN_LEVELS <= len(anchors) <= MAX_LEVELS or not all(anchors):
        raise Invalid(gettext_noop("Describe every level: 2 to 7 levels, each with an anchor."))
    if scale.pk is not None:
        used = scale.ratings.filter(level__gt=len(anchors)).exists()
        if used:
            raise Invalid(gettext_noop("Ratings use a level you removed: keep that level."))
    scale.levels = [{"level": i + 1, "anchor": a} for i, a in enumerate(anchors)]
    scale.evidence_source = text(data.get("evidence_source", scale.evidence_source), 48)
    scale.active = bool(data.get("active", scale.active))
    scale.save()
    audit("performance.scale", user, scale, code=scale.code, before=before, levels=scale.levels)
    return scale
