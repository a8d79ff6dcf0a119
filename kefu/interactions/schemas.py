"""Request and response shapes of the REST API v1 (django-ninja / pydantic).

Conversations themselves travel in the native format (a plain JSON object, see
`shared/spec/interactions-jsonl.md`); these schemas describe everything around them.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from ninja import Field, Schema

MAX_PAGE_SIZE = 500
DEFAULT_PAGE_SIZE = 50

ChannelName = Literal["chat", "phone", "email", "app"]
StatusName = Literal["open", "resolved", "closed"]


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


class ConversationFilters(Schema):
    date_from: date | None = Field(
        None, alias="from", description="created on or after this day (configured time zone)"
    )
    date_to: date | None = Field(
        None, alias="to", description="created on or before this day (configured time zone)"
    )
    channel: ChannelName | None = None
    team: str | None = Field(None, description="team name or numeric team id")
    agent: str | None = Field(None, description="owner agent's external id, e.g. A0007")
    status: StatusName | None = None
    category: str | None = Field(None, description="matches any category level")
    complaint: bool | None = None
    q: str | None = Field(None, description="full-text search (Chinese or English)")
    limit: int = Field(DEFAULT_PAGE_SIZE, ge=1, description=f"page size, capped at {MAX_PAGE_SIZE}")
    offset: int = Field(0, ge=0)

    model_config = {"populate_by_name": True}


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


class AgentOut(Schema):
    id: str
    name: str
    team: str | None
    team_id: int | None
    tier: str | None
    hired_on: date | None
    supervisor: str | None


class TeamOut(Schema):
    id: int
    name: str
    agent_count: int


class MeOut(Schema):
    username: str
    name: str
    roles: list[str]
    agent: str | None = Field(description="external id of the linked agent, if any")
    supervised_teams: list[str]
    permissions: dict[str, bool]
    auth: str = Field(description="token or session")
