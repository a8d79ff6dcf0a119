"""Parameter types and error shapes shared by every API router (django-ninja / pydantic):
one definition of each bound and of the error body."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Field, Schema
from pydantic import AfterValidator, StringConstraints

from kefu.core import periods
from kefu.core.params import MAX_ID

MAX_TEXT_PARAM = 200


# --- parameter types shared by every router (one definition of each bound) ---------------
def _allowed_day(value: date) -> date:
    today = timezone.localdate()
    if not periods.day_allowed(value, today):
        raise ValueError(
            _("must be a day from %(first)s to %(last)s")
            % {"first": periods.EARLIEST_DAY, "last": periods.latest_day(today)}
        )
    return value


def _no_nul(value: str) -> str:
    # PostgreSQL refuses NUL in text; refuse it here with a message instead of a 500.
    if "\x00" in value:
        raise ValueError(_("must not contain NUL characters"))
    return value


# Validation reasons in the request's language, by pydantic's error type; the context
# values fill the placeholders. Other types keep pydantic's own (English) message.
REASONS = {
    "missing": gettext_lazy("is required"),
    "int_parsing": gettext_lazy("must be an integer"),
    "int_type": gettext_lazy("must be an integer"),
    "int_from_float": gettext_lazy("must be an integer"),
    "float_parsing": gettext_lazy("must be a number"),
    "float_type": gettext_lazy("must be a number"),
    "finite_number": gettext_lazy("must be a finite number"),
    "bool_parsing": gettext_lazy("must be true or false"),
    "bool_type": gettext_lazy("must be true or false"),
    "string_type": gettext_lazy("must be a string"),
    "date_parsing": gettext_lazy("must be a date (YYYY-MM-DD)"),
    "date_from_datetime_parsing": gettext_lazy("must be a date (YYYY-MM-DD)"),
    "date_from_datetime_inexact": gettext_lazy("must be a date (YYYY-MM-DD)"),
    "date_type": gettext_lazy("must be a date (YYYY-MM-DD)"),
    "greater_than_equal": gettext_lazy("must be at least %(ge)s"),
    "greater_than": gettext_lazy("must be greater than %(gt)s"),
    "less_than_equal": gettext_lazy("must be at most %(le)s"),
    "less_than": gettext_lazy("must be less than %(lt)s"),
    "string_too_long": gettext_lazy("must be at most %(max_length)s characters"),
    "string_too_short": gettext_lazy("must be at least %(min_length)s characters"),
    "literal_error": gettext_lazy("must be one of %(expected)s"),
    "enum": gettext_lazy("must be one of %(expected)s"),
    "dict_type": gettext_lazy("must be an object"),
    "model_type": gettext_lazy("must be an object"),
    "model_attributes_type": gettext_lazy("must be an object"),
    "list_type": gettext_lazy("must be a list"),
    "extra_forbidden": gettext_lazy("is not allowed"),
}


def reason(error: dict[str, Any]) -> str:
    """One validation error's reason (pydantic's error dict) in the active language."""
    ctx = error.get("ctx") or {}
    if error.get("type") == "value_error" and "error" in ctx:
        return str(ctx["error"])  # Kefu's own validators raise translated messages
    template = REASONS.get(error.get("type", ""))
    if template is None:
        return error.get("msg", _("is invalid"))
    try:
        return str(template) % {k: str(v) for k, v in ctx.items()}
    except (KeyError, TypeError, ValueError):
        return error.get("msg", _("is invalid"))


Day = Annotated[date, AfterValidator(_allowed_day)]
"""A date parameter within `kefu.core.periods`' window (2000-01-01 … five years ahead)."""
Text = Annotated[str, StringConstraints(max_length=MAX_TEXT_PARAM), AfterValidator(_no_nul)]
"""A free-text or external-id parameter: bounded, no NUL."""
RowId = Annotated[int, Field(ge=1, le=MAX_ID)]
"""A database row id (path or query): a 64-bit positive integer."""


class ErrorOut(Schema):
    detail: str


class FieldErrorOut(Schema):
    """One rejected record (POST bodies): where it was, which record, which field, why."""

    index: int | None = Field(None, description="0-based position in the posted list")
    id: str | None = Field(None, description="the record's (or message's) id when known")
    field: str
    reason: str


class ErrorsOut(Schema):
    detail: str
    errors: list[FieldErrorOut]
