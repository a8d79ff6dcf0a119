"""REST API v1: who am I, agents, teams (mounted under /api/v1/ by kefu/api.py)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count
from django.http import HttpRequest
from ninja import Router

from kefu.accounts.access import agents_visible_to, teams_visible_to
from kefu.accounts.models import Agent
from kefu.accounts.roles import EXPORT, IMPORT, INGEST, VIEW_ALL, VIEW_PERSONAL_DATA, user_roles
from kefu.accounts.schemas import AgentOut, MeOut, TeamOut
from kefu.lib.schemas import ErrorOut

router = Router(tags=["people"])

ERRORS = {401: ErrorOut}


@router.get("/me", response={200: MeOut, **ERRORS})
def me(request: HttpRequest) -> dict[str, Any]:
    """The calling user, their roles, linked agent and what they may do."""
    user = request.user
    agent = Agent.objects.filter(user=user).values_list("external_id", flat=True).first()
    return {
        "username": user.get_username(),
        "name": user.get_full_name(),
        "roles": sorted(user_roles(user)),
        "agent": agent,
        "supervised_teams": list(user.supervised_teams.values_list("name", flat=True)),
        "permissions": {
            "view_all_conversations": user.has_perm(VIEW_ALL),
            "view_personal_data": user.has_perm(VIEW_PERSONAL_DATA),
            "import_conversations": user.has_perm(IMPORT),
            "export_conversations": user.has_perm(EXPORT),
            "ingest_conversations": user.has_perm(INGEST),
        },
        "auth": getattr(request, "kefu_auth_method", "session"),
    }


@router.get("/agents", response={200: list[AgentOut], **ERRORS})
def list_agents(request: HttpRequest, team: str | None = None) -> list[dict[str, Any]]:
    """Agents the caller may see (everyone for QA/trainers/managers; a supervisor's teams;
    an agent themself), by external id. `team` filters by team name."""
    agents = agents_visible_to(request.user)
    if team:
        agents = agents.filter(team__name=team)
    rows = agents.order_by("external_id").values(
        "external_id", "name", "team__name", "team_id", "tier", "hired_on",
        "supervisor__external_id",
    )  # fmt: skip
    return [
        {
            "id": r["external_id"],
            "name": r["name"],
            "team": r["team__name"],
            "team_id": r["team_id"],
            "tier": r["tier"] or None,
            "hired_on": r["hired_on"],
            "supervisor": r["supervisor__external_id"],
        }
        for r in rows
    ]


@router.get("/teams", response={200: list[TeamOut], **ERRORS})
def list_teams(request: HttpRequest) -> list[dict[str, Any]]:
    """Teams the caller may see, with their number of agents."""
    teams = teams_visible_to(request.user).annotate(agent_count=Count("agents")).order_by("name")
    return [{"id": t.pk, "name": t.name, "agent_count": t.agent_count} for t in teams]
