"""What the complaint classifier reads from the stored conversations (kefu.interactions).

The text of a conversation is its customer's messages, one per line, in order: the
agents' messages are left out (their canned solutions name the problem and would leak the
label into the text). Labels are the wrap-up codes: category1 (scene) and category2
(problem). Reads only: the caller decides which conversations a user may see (pass a
queryset from `kefu.accounts.access.restrict`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date
from itertools import groupby, islice

from django.db.models import QuerySet

from kefu.improvement.core.classifier import Example
from kefu.interactions.choices import MessageRole
from kefu.interactions.models import Conversation, Message

_CHUNK = 2000  # conversations per query of their messages


def conversations(
    queryset: QuerySet[Conversation] | None = None,
    *,
    complaints_only: bool = True,
    labelled: bool = True,
    since: date | None = None,
    until: date | None = None,
) -> QuerySet[Conversation]:
    """The conversations to classify or learn from: complaints (or every conversation),
    with a scene and a problem when `labelled`, created between `since` and `until`
    (days, inclusive, in the configured time zone), oldest first."""
    qs = Conversation.objects.all() if queryset is None else queryset
    if complaints_only:
        qs = qs.filter(complaint=True)
    if labelled:
        qs = qs.exclude(category1="").exclude(category2="")
    if since is not None:
        qs = qs.filter(created_at__date__gte=since)
    if until is not None:
        qs = qs.filter(created_at__date__lte=until)
    return qs.order_by("created_at", "pk")


def customer_texts(conversation_ids: Iterable[int]) -> dict[int, str]:
    """Each conversation's customer messages, one per line in order ("" if none)."""
    ids = list(conversation_ids)
    out = dict.fromkeys(ids, "")
    for start in range(0, len(ids), _CHUNK):
        rows = (
            Message.objects.filter(
                conversation_id__in=ids[start : start + _CHUNK], role=MessageRole.CUSTOMER
            )
            .order_by("conversation_id", "seq")
            .values_list("conversation_id", "text")
        )
        for conversation_id, group in groupby(rows.iterator(), key=lambda row: row[0]):
            out[conversation_id] = "\n".join(text for _, text in group if text)
    return out


def examples(qs: QuerySet[Conversation]) -> list[Example]:
    """Labelled examples (customer text, scene, problem, created_at) of the conversations."""
    out: list[Example] = []
    for chunk in chunks(qs.values_list("pk", "category1", "category2", "created_at")):
        texts = customer_texts(pk for pk, *_ in chunk)
        out.extend(
            Example(texts[pk], scene, problem, created) for pk, scene, problem, created in chunk
        )
    return out


def chunks(rows: QuerySet) -> Iterator[list[tuple]]:
    """The rows of a values_list query, a few thousand at a time."""
    iterator = rows.iterator(chunk_size=_CHUNK)
    while chunk := list(islice(iterator, _CHUNK)):
        yield chunk
