"""Demo log-ins: one user per role, all with the password `kefu2024`.

The agent and the supervisor are linked to real agents of the demo data (售后一组), so
that their pages show their own conversations and their own team. Running this again
changes nothing; a password someone changed is left alone.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from kefu.accounts.models import Agent, Team
from kefu.accounts.roles import MANAGE_KNOWLEDGE, ensure_roles

DEMO_PASSWORD = "kefu2024"
DEMO_TEAM = "售后一组"


@dataclass(frozen=True, slots=True)
class DemoUser:
    username: str
    role: str  # the Django group
    role_zh: str
    role_en: str
    name: str  # display name for the roles that are not agents of the data
    about: str  # what this log-in shows


DEMO_USERS = (
    DemoUser("agent", "agent", "一线客服", "Agent", "", "只看到自己的会话、质检和绩效"),
    DemoUser(
        "supervisor", "supervisor", "主管/组长", "Supervisor", "", "看到本组的会话、实时预警和绩效"
    ),
    DemoUser("qa", "qa", "质检专员", "QA specialist", "周敏", "质检标准、抽检、申诉和校准"),
    DemoUser("trainer", "trainer", "培训师", "Trainer", "孙丽", "培训计划、题库、考试和认证"),
    DemoUser("manager", "manager", "客服经理", "Manager", "陈建国", "全部门看板、目标和报表"),
    DemoUser(
        "admin", "admin", "系统管理员", "Administrator", "管理员", "全部功能（用户、设置、审计）"
    ),
)


@dataclass(frozen=True, slots=True)
class DemoLogin:
    """One row of the log-in table: who signs in how, and who they are in the data."""

    username: str
    password: str
    role: str
    role_zh: str
    role_en: str
    who: str
    exists: bool


def _demo_agents() -> tuple[Agent | None, Agent | None]:
    """The lead of 售后一组 and its first regular agent (by id), if the data is loaded."""
    team = Team.objects.filter(name=DEMO_TEAM).first()
    if team is None:
        return None, None
    members = Agent.objects.filter(team=team).order_by("external_id")
    lead = members.filter(tier="lead").first()
    agent = members.filter(tier="regular").first() or members.exclude(tier="lead").first()
    return lead, agent


@transaction.atomic
def ensure_demo_users() -> list[DemoLogin]:
    """Create (or complete) the demo log-ins and link them to the demo agents."""
    ensure_roles()
    user_model = get_user_model()
    lead, member = _demo_agents()
    linked = {"agent": member, "supervisor": lead}
    for spec in DEMO_USERS:
        user, created = user_model.objects.get_or_create(username=spec.username)
        if created:
            user.set_password(DEMO_PASSWORD)
        agent = linked.get(spec.role)
        user.first_name = agent.name if agent else spec.name
        if spec.role == "admin":
            user.is_staff = user.is_superuser = True
        user.save()
        user.groups.add(Group.objects.get(name=spec.role))
        if agent is not None and agent.user_id != user.pk:
            Agent.objects.filter(user=user).update(user=None)  # one agent per log-in
            agent.user = user
            agent.save(update_fields=["user"])
        if spec.role == "supervisor" and agent is not None and agent.team_id:
            agent.team.supervisors.add(user)
    return demo_logins()


def demo_logins() -> list[DemoLogin]:
    """The log-in table as the database has it now (for `kefu demo_logins`)."""
    user_model = get_user_model()
    users = {u.username: u for u in user_model.objects.filter(username__in=_usernames())}
    agents = {
        a.user_id: a for a in Agent.objects.filter(user__in=users.values()).select_related("team")
    }
    owners = {u.pk for u in users.values() if u.is_active and u.has_perm(MANAGE_KNOWLEDGE)}
    rows = []
    for spec in DEMO_USERS:
        user = users.get(spec.username)
        agent = agents.get(user.pk) if user else None
        if agent is not None:
            team = agent.team.name if agent.team else ""
            title = "组长" if spec.role == "supervisor" else "客服"
            who = f"{team}{title} {agent.name}（{agent.external_id}）：{spec.about}"
        else:
            who = f"{spec.name}：{spec.about}" if spec.name else spec.about
        if user is not None and user.pk in owners:
            who += "；知识库负责人（审核、发布）"
        rows.append(
            DemoLogin(
                username=spec.username,
                password=DEMO_PASSWORD,
                role=spec.role,
                role_zh=spec.role_zh,
                role_en=spec.role_en,
                who=who,
                exists=user is not None,
            )
        )
    return rows


def _usernames() -> list[str]:
    return [spec.username for spec in DEMO_USERS]
