"""The automatic QA score of a conversation, for the conversation list and its API.

QA (`kefu.qa`) sits above this app and keeps the scores: it registers, in its
AppConfig.ready(), how to read a conversation's current score as a query expression
(`register_qa_score`). This app never imports QA; without a registration the score is
NULL and its filter matches nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import FloatField, QuerySet, Value

_qa_score: Callable[[], Any] | None = None


def register_qa_score(expression: Callable[[], Any]) -> None:
    """`expression()`: a query expression giving a conversation's (OuterRef("pk")) current
    automatic QA score, NULL when it has none."""
    global _qa_score
    _qa_score = expression


def qa_score() -> Any:
    return _qa_score() if _qa_score is not None else Value(None, output_field=FloatField())


def with_qa_score(conversations: QuerySet) -> QuerySet:
    """The conversations with `qa_score` (their current automatic QA score or None)."""
    return conversations.annotate(qa_score=qa_score())


def qa_score_between(
    conversations: QuerySet, low: float | None = None, high: float | None = None
) -> QuerySet:
    """Those whose current QA score is within low…high (both inclusive; None: open)."""
    if low is None and high is None:
        return conversations
    qs = conversations.alias(qa_score_filter=qa_score())
    if low is not None:
        qs = qs.filter(qa_score_filter__gte=low)
    if high is not None:
        qs = qs.filter(qa_score_filter__lte=high)
    return qs
