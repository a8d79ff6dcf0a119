"""The API's reading of a training FilterSet (kefu/training/filtersets.py): every filter
applies; an invalid value is refused (422, naming the query parameter, as the schema does);
a reference to an agent or team the caller may not see matches nothing."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from ninja import Schema
from ninja.errors import ValidationError

from kefu.training.filtersets import REFERENCE_FILTERS, TrainingFilterSet


def query_data(q: Schema, paging: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The query schema's values as the FilterSet's data (unset and paging ones left out)."""
    return q.model_dump(exclude_none=True, exclude=set(paging))


def filtered(filterset: TrainingFilterSet) -> QuerySet:
    errors = filterset.errors
    refused = {name: messages for name, messages in errors.items() if name not in REFERENCE_FILTERS}
    if refused:
        raise ValidationError(
            [{"loc": ["query", name], "msg": "; ".join(map(str, messages)), "type": "value_error"}
             for name, messages in refused.items()]
        )  # fmt: skip
    if errors.keys() & REFERENCE_FILTERS:
        return filterset.queryset.none()
    return filterset.qs
