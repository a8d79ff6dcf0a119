""" "Test this rule on the last N conversations": an unsaved indicator evaluated on the
newest conversations the user may see, with its hits and evidence (nothing is stored)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from kefu.qa import store
from kefu.qa.core import defaults
from kefu.qa.core.engine import view_of
from kefu.qa.core.indicators import Hit, parse_indicator
from kefu.qa.core.lexicons import LexiconSet, parse_lexicons
from kefu.qa.scoring import records_for

MAX_CONVERSATIONS = 2000


@dataclass(frozen=True)
class TrialHit:
    conversation: str  # external id
    hit: Hit


def try_indicator(
    definition: Any, conversations: QuerySet, limit: int
) -> tuple[int, list[TrialHit]]:
    """(conversations checked, hits) of an indicator definition on the newest `limit`
    conversations of the query set. DefinitionError when the definition is bad."""
    lexicons = LexiconSet(parse_lexicons(store.lexicon_data()))
    indicator = parse_indicator(definition, lexicons)
    sentiment = defaults.default_sentiment() if indicator.when.needs_sentiment() else None
    limit = max(1, min(limit, MAX_CONVERSATIONS))
    ids = list(conversations.order_by("-created_at", "-pk").values_list("pk", flat=True)[:limit])
    hits = []
    for _info, record in records_for(ids):
        hit = indicator.evaluate(view_of(record, lexicons, sentiment))
        if hit is not None:
            hits.append(TrialHit(record.id, hit))
    return len(ids), hits
