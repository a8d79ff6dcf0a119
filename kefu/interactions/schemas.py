"""Request and response shapes of the REST API v1 (django-ninja / pydantic).

Conversations themselves travel in the native format (a plain JSON object, see
`shared/spec/interactions-jsonl.md`); these schemas describe everything around them.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated, Any, ClassVar, Literal

from django.conf import settings
from django.utils.translation import gettext as _
from ninja import Field, Schema
from pydantic import StringConstraints, ValidationInfo, field_validator

from kefu.core import periods
from kefu.lib.schemas import Day, FieldErrorOut, Text

MAX_PAGE_SIZE = 500
DEFAULT_PAGE_SIZE = 50
# Offset paging reads and skips `offset` rows: deeper than this, page by date instead.
MAX_OFFSET = 1_000_000
ChannelName = Literal["chat", "phone", "email", "app"]
StatusName = Literal["open", "resolved", "closed"]


def max_period_days() -> int:
    return settings.KEFU_MAX_PERIOD_DAYS


class PeriodQuery(Schema):
    """`from` / `to` of a report: inclusive local days, in order, at most
    `KEFU_MAX_PERIOD_DAYS` days apart (422 naming the parameter otherwise)."""

    date_from: Day | None = Field(None, alias="from", description="first day, inclusive")
    date_to: Day | None = Field(None, alias="to", description="last day, inclusive")

    model_config = {"populate_by_name": True}

    @field_validator("date_to")
    @classmethod
    def _within_period(cls, value: date | None, info: ValidationInfo) -> date | None:
        start = info.data.get("date_from")
        if value is None or start is None:
            return value
        if value < start:
            raise ValueError(_("is before `from` (%(from)s)") % {"from": start})
        if periods.span_days(start, value) > max_period_days():
            raise ValueError(
                _("the period from `from` to `to` is longer than %(days)s days")
                % {"days": max_period_days()}
            )
        return value

    def period(self, default_from: date, default_to: date) -> tuple[date, date]:
        """The period asked for. A missing bound takes the default, moved so that the
        period stays within `KEFU_MAX_PERIOD_DAYS`: a missing end ends at most that many
        days after `from`; a missing start starts at most that many days before the end."""
        longest = max_period_days()
        if self.date_from is not None:
            date_from = self.date_from
            date_to = self.date_to or max(
                date_from, min(default_to, date_from + timedelta(days=longest - 1))
            )
            return date_from, date_to
        date_to = self.date_to or default_to
        return periods.clamp_start(min(default_from, date_to), date_to, longest), date_to


class ConversationFilters(Schema):
    date_from: Day | None = Field(
        None, alias="from", description="created on or after this day (configured time zone)"
    )
    date_to: Day | None = Field(
        None, alias="to", description="created on or before this day (configured time zone)"
    )
    channel: ChannelName | None = None
    team: Text | None = Field(None, description="team name or numeric team id")
    agent: Text | None = Field(
        None, description="owner agent's external id (e.g. A0007) or numeric agent id"
    )
    status: StatusName | None = None
    category: Text | None = Field(None, description="matches any category level")
    category1: Annotated[Text, StringConstraints(max_length=50)] | None = Field(
        None, description="first category level (scene)"
    )
    category2: Annotated[Text, StringConstraints(max_length=100)] | None = Field(
        None, description="second category level (problem)"
    )
    complaint: bool | None = None
    escalated: bool | None = None
    qa_score_min: float | None = Field(
        None, ge=0, le=1000, description="current automatic QA score at least this"
    )
    qa_score_max: float | None = Field(
        None, ge=0, le=1000, description="current automatic QA score at most this"
    )
    q: Text | None = Field(None, description="full-text search (Chinese or English)")
    limit: int = Field(
        DEFAULT_PAGE_SIZE, ge=1, le=MAX_OFFSET, description=f"page size, capped at {MAX_PAGE_SIZE}"
    )
    offset: int = Field(0, ge=0, le=MAX_OFFSET, description="rows to skip (page by date beyond)")

    model_config = {"populate_by_name": True}

    # The query parameters that are filters (the others page); named as the FilterSet
    # (`kefu.interactions.filtersets.ConversationFilterSet`) names them.
    PAGING: ClassVar[frozenset[str]] = frozenset({"limit", "offset"})

    def filterset_data(self) -> dict[str, Any]:
        """The filters given, as data for ConversationFilterSet (booleans as yes/no)."""
        data = self.model_dump(exclude_none=True, exclude=set(self.PAGING))
        for name in ("complaint", "escalated"):
            if name in data:
                data[name] = "yes" if data[name] else "no"
        return data


class ConversationSummary(Schema):
    id: str
    channel: str
    customer: str
    agent: str | None
    team: str | None
    created_at: datetime
    resolved_at: datetime | None
    closed_at: datetime | None
    status: str
    category: list[str]
    complaint: bool
    escalated: bool
    csat: int | None
    nps: int | None
    first_response_s: float | None
    message_count: int
    qa_score: float | None = Field(None, description="current automatic QA score")


class ConversationPage(Schema):
    count: int
    limit: int
    offset: int
    next_offset: int | None = Field(None, description="offset of the next page, null at the end")
    items: list[ConversationSummary]


class IngestResultOut(Schema):
    read: int
    created: int
    updated: int
    unchanged: int
    rejected: int
    errors: list[FieldErrorOut]


class AppendResultOut(Schema):
    conversation: str
    message_count: int
    first_response_s: float | None
    messages: list[dict[str, Any]] = Field(description="the stored messages, native format")


class CustomerOut(Schema):
    id: str
    name: str
    phone: str
    email: str
    segment: str
    masked: bool = Field(description="true when personal fields are shown masked")
    conversation_count: int
    conversations: list[ConversationSummary]
