"""Writes of people and access (validate, then do): users and their roles, the agent record
a log-in is linked to, teams and their supervisors and members, API tokens, unlocking a
locked log-in. Refusals are `kefu.lib.errors` types; every change is audited
(AuditAction.ACCESS, tokens AuditAction.ISSUE_TOKEN) with who did it and what changed,
never a password or a token's secret.

Only administrators (`kefu.accounts.access.administers_people`) may do any of it.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts import access
from kefu.accounts.choices import Role, Tier
from kefu.accounts.models import Agent, ApiToken, Team
from kefu.audit.actions import record as audit
from kefu.audit.models import AuditAction
from kefu.lib.errors import Conflict, Invalid, NotAllowed

User = get_user_model()
TEMPORARY_PASSWORD_BYTES = 9  # 12 characters of token_urlsafe


def _admin(by) -> None:
    if not access.administers_people(by):
        raise NotAllowed(_("this needs the administrator role"))


def _audit(by, event: str, object_type: str, object_id: Any, **detail: Any) -> None:
    audit(
        AuditAction.ACCESS,
        user=by,
        object_type=object_type,
        object_id=str(object_id),
        detail={"event": event, **detail},
    )


def temporary_password() -> str:
    return secrets.token_urlsafe(TEMPORARY_PASSWORD_BYTES)


# --- users --------------------------------------------------------------------------------
@dataclass
class UserData:
    """What the user form edits (the password is never part of it)."""

    username: str
    name: str = ""
    email: str = ""
    roles: tuple[str, ...] = ()
    agent_id: str = ""  # the agent record's external id; "" = not an agent
    team: Team | None = None
    tier: str = ""


def _check_roles(roles: Iterable[str]) -> list[str]:
    known = {r.value for r in Role}
    unknown = sorted(set(roles) - known)
    if unknown:
        raise Invalid(_("unknown role: %(roles)s") % {"roles": ", ".join(unknown)})
    return sorted(set(roles))


def _split_name(name: str) -> tuple[str, str]:
    """Chinese names are stored whole in first_name (get_full_name() reads it back)."""
    return name.strip()[:150], ""


def _link_agent(user, data: UserData) -> dict[str, Any]:
    """Link `user` to the agent record `data.agent_id` (created if new) and place it in
    `data.team` at `data.tier`. Returns what changed, for the audit."""
    current = Agent.objects.filter(user=user).first()
    if not data.agent_id:
        if current is not None:
            Agent.objects.filter(pk=current.pk).update(user=None)
            return {"agent": [current.external_id, None]}
        return {}
    agent = Agent.objects.filter(external_id=data.agent_id).first()
    if agent is not None and agent.user_id not in (None, user.pk):
        raise Conflict(
            _("agent %(agent)s is already linked to another log-in") % {"agent": data.agent_id}
        )
    changes: dict[str, Any] = {}
    if current is not None and (agent is None or current.pk != agent.pk):
        Agent.objects.filter(pk=current.pk).update(user=None)
    if agent is None:
        agent = Agent.objects.create(
            external_id=data.agent_id,
            name=data.name or user.get_username(),
            team=data.team,
            tier=data.tier,
            user=user,
        )
        changes["agent"] = [current.external_id if current else None, agent.external_id]
        return changes
    if agent.user_id != user.pk:
        changes["agent"] = [current.external_id if current else None, agent.external_id]
    if agent.team_id != (data.team.pk if data.team else None):
        changes["team"] = [agent.team.name if agent.team else None, str(data.team or "") or None]
    if agent.tier != data.tier:
        changes["tier"] = [agent.tier or None, data.tier or None]
    agent.user = user
    agent.team = data.team
    agent.tier = data.tier
    agent.save(update_fields=["user", "team", "tier"])
    return changes


def _validate(data: UserData, user=None) -> None:
    username = data.username.strip()
    if not username:
        raise Invalid(_("a username is required"))
    taken = User.objects.filter(username=username)
    if user is not None:
        taken = taken.exclude(pk=user.pk)
    if taken.exists():
        raise Conflict(_("the username %(name)s is taken") % {"name": username})
    _check_roles(data.roles)
    if data.tier and data.tier not in Tier.values:
        raise Invalid(_("unknown tier: %(tier)s") % {"tier": data.tier})
    if (data.team or data.tier) and not data.agent_id:
        raise Invalid(_("a team or tier needs an agent id"))


@transaction.atomic
def create_user(by, data: UserData) -> tuple[Any, str]:
    """A new log-in with a temporary password (returned once: show it, never store it)."""
    _admin(by)
    _validate(data)
    password = temporary_password()
    first, last = _split_name(data.name)
    user = User.objects.create_user(
        data.username.strip(),
        email=data.email.strip(),
        password=password,
        first_name=first,
        last_name=last,
    )
    roles = _check_roles(data.roles)
    user.groups.set(Group.objects.filter(name__in=roles))
    linked = _link_agent(user, data)
    _audit(by, "user_created", "user", user.get_username(), roles=roles, **linked)
    return user, password


@transaction.atomic
def update_user(by, user, data: UserData) -> dict[str, Any]:
    """Save the form; returns what changed (also in the audit)."""
    _admin(by)
    _validate(data, user)
    roles = _check_roles(data.roles)
    if user.pk == by.pk and Role.ADMIN not in roles and not user.is_superuser:
        raise Invalid(_("you cannot take the administrator role from yourself"))
    changes: dict[str, Any] = {}
    first, last = _split_name(data.name)
    for field, value in (
        ("username", data.username.strip()),
        ("email", data.email.strip()),
        ("first_name", first),
        ("last_name", last),
    ):
        if getattr(user, field) != value:
            changes[field] = [getattr(user, field), value]
            setattr(user, field, value)
    user.save()
    before = sorted(user.groups.values_list("name", flat=True))
    if before != roles:
        changes["roles"] = [before, roles]
        user.groups.set(Group.objects.filter(name__in=roles))
    changes.update(_link_agent(user, data))
    _audit(by, "user_changed", "user", user.get_username(), **changes)
    return changes


def set_active(by, user, active: bool) -> None:
    """Deactivate (no log-in, no API token works) or reactivate a log-in."""
    _admin(by)
    if user.pk == by.pk and not active:
        raise Invalid(_("you cannot deactivate yourself"))
    if user.is_active == active:
        return
    user.is_active = active
    user.save(update_fields=["is_active"])
    _audit(by, "user_activated" if active else "user_deactivated", "user", user.get_username())


def reset_password(by, user) -> str:
    """A new temporary password (returned once); the user's sessions end with the old one."""
    _admin(by)
    password = temporary_password()
    user.set_password(password)
    user.save(update_fields=["password"])
    _audit(by, "password_reset", "user", user.get_username())
    return password


def locked_usernames(usernames: Iterable[str]) -> set[str]:
    """Which of these usernames django-axes holds locked out (from any address)."""
    from axes.models import AccessAttempt
    from django.conf import settings

    limit = settings.AXES_FAILURE_LIMIT
    attempts = AccessAttempt.objects.filter(
        username__in=list(usernames), failures_since_start__gte=limit
    )
    cooloff = settings.AXES_COOLOFF_TIME
    if cooloff:
        attempts = attempts.filter(attempt_time__gt=timezone.now() - cooloff)
    return set(attempts.values_list("username", flat=True))


def unlock(by, user) -> int:
    """Forget django-axes' failed attempts for this username (every address)."""
    from axes.utils import reset

    _admin(by)
    count = reset(username=user.get_username())
    _audit(by, "user_unlocked", "user", user.get_username(), attempts=count)
    return count


# --- teams --------------------------------------------------------------------------------
def _team_name(name: str, team: Team | None = None) -> str:
    name = name.strip()
    if not name:
        raise Invalid(_("a team name is required"))
    if len(name) > 100:
        raise Invalid(_("a team name has at most 100 characters"))
    taken = Team.objects.filter(name=name)
    if team is not None:
        taken = taken.exclude(pk=team.pk)
    if taken.exists():
        raise Conflict(_("there is already a team %(name)s") % {"name": name})
    return name


def _supervisor_names(supervisors: Iterable[Any]) -> list[str]:
    return sorted(u.get_username() for u in supervisors)


@transaction.atomic
def create_team(by, name: str, supervisors: Iterable[Any] = ()) -> Team:
    _admin(by)
    team = Team.objects.create(name=_team_name(name))
    supervisors = list(supervisors)
    team.supervisors.set(supervisors)
    _audit(
        by,
        "team_created",
        "team",
        team.pk,
        name=team.name,
        supervisors=_supervisor_names(supervisors),
    )
    return team


@transaction.atomic
def update_team(by, team: Team, name: str, supervisors: Iterable[Any]) -> dict[str, Any]:
    """Rename and set the supervisors; returns what changed."""
    _admin(by)
    name = _team_name(name, team)
    changes: dict[str, Any] = {}
    if team.name != name:
        changes["name"] = [team.name, name]
        team.name = name
        team.save(update_fields=["name"])
    supervisors = list(supervisors)
    before = _supervisor_names(team.supervisors.all())
    after = _supervisor_names(supervisors)
    if before != after:
        changes["supervisors"] = [before, after]
        team.supervisors.set(supervisors)
    _audit(by, "team_changed", "team", team.pk, **changes)
    return changes


@transaction.atomic
def move_agents(by, agents: Iterable[Agent], team: Team) -> int:
    """Put these agents in `team` (from whatever team they were in)."""
    _admin(by)
    moved = [a for a in agents if a.team_id != team.pk]
    if not moved:
        return 0
    Agent.objects.filter(pk__in=[a.pk for a in moved]).update(team=team)
    _audit(
        by,
        "agents_moved",
        "team",
        team.pk,
        team=team.name,
        agents={a.external_id: a.team.name if a.team else None for a in moved},
    )
    return len(moved)


# --- API tokens ---------------------------------------------------------------------------
def issue_token(by, user, name: str, expires_at: datetime | None = None) -> tuple[ApiToken, str]:
    """A token for `user`; its secret is returned once (only its hash is stored)."""
    _admin(by)
    name = name.strip()
    if not name:
        raise Invalid(_("say what the token is for"))
    if not user.is_active:
        raise Invalid(_("the user %(name)s is not active") % {"name": user.get_username()})
    if expires_at is not None and expires_at <= timezone.now():
        raise Invalid(_("the expiry must be in the future"))
    token, raw = ApiToken.issue(user, name[:100], expires_at=expires_at)
    audit(
        AuditAction.ISSUE_TOKEN,
        user=by,
        object_type="api_token",
        object_id=token.prefix,
        detail={
            "name": token.name,
            "for": user.get_username(),
            "expires": expires_at.isoformat() if expires_at else None,
        },
    )
    return token, raw


def revoke_token(by, token: ApiToken) -> None:
    _admin(by)
    if token.revoked:
        return
    token.revoked = True
    token.save(update_fields=["revoked"])
    _audit(
        by,
        "token_revoked",
        "api_token",
        token.prefix,
        name=token.name,
        owner=token.user.get_username(),
    )
