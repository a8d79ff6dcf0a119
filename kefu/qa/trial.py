""" "Test this rule on the last N conversations": an unsaved indicator evaluated on the
newest conversations the user may see, with its hits and evidence (nothing is stored)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from django.db.models import QuerySet

from kefu.core.masking import mask_text
from kefu.interactions.models import Conversation
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
    found = []
    for info, record in records_for(ids):
        hit = indicator.evaluate(view_of(record, lexicons, sentiment))
        if hit is not None:
            found.append((info.pk, record.id, hit))
    # Evidence is shown masked, as it is stored (it may quote a message), names included.
    with_evidence = [pk for pk, _, hit in found if hit.evidence]
    names = dict(
        Conversation.objects.filter(pk__in=with_evidence).values_list("pk", "customer__name")
    )
    hits = [
        TrialHit(external_id, replace(hit, evidence=mask_text(hit.evidence, (names.get(pk),))))
        for pk, external_id, hit in found
    ]
    return len(ids), hits
