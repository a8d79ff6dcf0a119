"""Response shapes of the accounts API (`kefu/accounts/api.py`)."""

from __future__ import annotations

from datetime import date

from ninja import Field, Schema


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
