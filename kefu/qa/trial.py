""" "Test this rule on the last N conversations": an unsaved indicator evaluated on the
newest conversations the user may see, with its hits and evidence (nothing is stored).
Each hit shows the messages it rests on with the evidence marked and a few messages
before and after, so a false positive ("您的意思是不知道开通了…") shows before saving."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from django.db.models import QuerySet
from django.utils.safestring import mark_safe

from kefu.core.masking import mask_text
from kefu.interactions.models import Conversation
from kefu.qa import store
from kefu.qa.core import defaults
from kefu.qa.core.engine import view_of
from kefu.qa.core.figures import context_windows, evidence_words, highlight
from kefu.qa.core.indicators import Hit, parse_indicator
from kefu.qa.core.lexicons import LexiconSet, parse_lexicons
from kefu.qa.core.view import ConversationView
from kefu.qa.presenters import lexicon_synonyms
from kefu.qa.scoring import records_for

MAX_CONVERSATIONS = 2000
AROUND = 2  # messages shown before and after each message a hit rests on
PLACES = 3  # messages of a hit shown with their context


@dataclass(frozen=True)
class ContextLine:
    """A message shown with a hit: who said it (its role), its text as HTML (escaped, masked, the
    evidence in <mark>), and whether the hit rests on it."""

    id: str
    role: str
    html: str
    hit: bool


@dataclass(frozen=True)
class TrialHit:
    conversation: str  # external id
    hit: Hit
    context: tuple[tuple[ContextLine, ...], ...] = ()  # windows of messages, in order


def hit_context(
    view: ConversationView, hit: Hit, names: tuple[str | None, ...], synonyms: dict
) -> tuple[tuple[ContextLine, ...], ...]:
    """The messages a hit rests on, `AROUND` messages either side, masked like the
    evidence, the evidence's words (and their synonyms) marked on the hit's messages.
    The engine's findings name words, not offsets: they are found again in the text
    (`figures.highlight`, as on the conversation's QA page)."""
    on = set(hit.messages)
    positions = [m.index for m in view.messages if m.id in on]
    words = {
        w for word in evidence_words(hit.evidence) for w in (word, *synonyms.get(word.lower(), ()))
    }
    return tuple(
        tuple(
            ContextLine(
                id=(m := view.messages[i]).id,
                role=m.role,
                html=mark_safe(highlight(mask_text(m.text, names), words if m.id in on else ())),
                hit=m.id in on,
            )
            for i in window
        )
        for window in context_windows(positions, len(view.messages), around=AROUND, places=PLACES)
    )


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
        view = view_of(record, lexicons, sentiment)
        hit = indicator.evaluate(view)
        if hit is not None:
            found.append((info.pk, record.id, hit, view))
    # Evidence and messages are shown masked, as evidence is stored, names included.
    names = dict(
        Conversation.objects.filter(pk__in=[f[0] for f in found]).values_list(
            "pk", "customer__name"
        )
    )
    synonyms = lexicon_synonyms() if found else {}
    hits = []
    for pk, external_id, hit, view in found:
        masked = replace(hit, evidence=mask_text(hit.evidence, (names.get(pk),)))
        context = hit_context(view, masked, (names.get(pk),), synonyms)
        hits.append(TrialHit(external_id, masked, context))
    return len(ids), hits
