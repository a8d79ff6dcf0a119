"""Writes of 360-degree feedback: requests (one, or a round for a team) and answers.

Supervisors ask about their teams' agents, managers about anyone. A round for a team
asks about each member: themself, three peers of the team, a supervisor of the team
and one rater of another team (kefu/performance/core/methods.team_round); nobody is asked
twice about the same person, and a request that exists is not made again (a round can
be sent again to fill in newcomers). Raters are notified once per round.

A rater answers 1–5 on each dimension (kefu/performance/core/feedback.DIMENSIONS) and may
add a comment; a submitted answer is final. Nobody is told who answered; the answers
are read back only as aggregates (kefu/performance/selectors/feedback.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_noop

from kefu.accounts import access
from kefu.accounts.models import Agent, Team
from kefu.accounts.roles import MANAGE_PERFORMANCE
from kefu.lib.errors import Conflict, Invalid, NotAllowed
from kefu.notifications.actions import notify
from kefu.performance.actions._common import audit, require_appraisable, require_open, text
from kefu.performance.choices import Relation
from kefu.performance.core import feedback as core
from kefu.performance.core.methods import Member, team_round
from kefu.performance.models import Cycle, FeedbackRequest

MAX_COMMENT = 2000


def _tell_raters(rater_ids: set[int], cycle: Cycle) -> None:
    if rater_ids:
        notify(
            sorted(rater_ids),
            "performance.feedback",
            gettext_noop("360-degree feedback requested: %(cycle)s"),
            url=reverse("performance:feedback"),
            params={"cycle": cycle.name},
        )


@transaction.atomic
def request_feedback(cycle: Cycle, agent: Agent, rater, relation: str, *, user) -> FeedbackRequest:
    """Ask one rater about one agent."""
    require_appraisable(agent, user)
    require_open(cycle)
    if relation not in Relation.values:
        raise Invalid(gettext_noop("Unknown relation."))
    if rater is None or not rater.is_active:
        raise Invalid(gettext_noop("The rater has no active log-in."))
    own = agent.user_id == rater.pk
    if own != (relation == Relation.SELF):
        raise Invalid(gettext_noop("Only the agent themself answers as “self”."))
    row, created = FeedbackRequest.objects.get_or_create(
        cycle=cycle, agent=agent, rater=rater, defaults={"relation": relation}
    )
    if not created:
        raise Conflict(gettext_noop("This rater is already asked about this agent."))
    audit("performance.feedback", user, row, agent=agent.pk, cycle=cycle.pk, relation=relation)
    _tell_raters({rater.pk}, cycle)
    return row


def may_send_round(team: Team, user) -> bool:
    return bool(
        user.is_authenticated
        and (user.has_perm(MANAGE_PERFORMANCE) or team.pk in access.supervised_team_ids(user))
    )


@transaction.atomic
def send_round(cycle: Cycle, team: Team, *, user) -> list[FeedbackRequest]:
    """The default round for a team: self, 3 peers, a supervisor, 1 other-team rater per
    member (see the module's docstring). Returns the requests made now."""
    if not may_send_round(team, user):
        raise NotAllowed(gettext_noop("You may not ask for feedback about this team."))
    require_open(cycle)
    active = get_user_model().objects.filter(is_active=True)
    members = [
        Member(a.pk, a.user_id)
        for a in Agent.objects.filter(team=team).order_by("external_id")
        .select_related("user")
        if a.user_id is None or a.user.is_active
    ]  # fmt: skip
    outsiders = [
        Member(pk, user_id)
        for pk, user_id in Agent.objects.exclude(team=team)
        .filter(user__in=active)
        .order_by("external_id")
        .values_list("pk", "user_id")
    ]
    supervisors = list(
        team.supervisors.filter(is_active=True).order_by("pk").values_list("pk", flat=True)
    )
    asks = team_round(members, supervisors, outsiders, offset=cycle.pk or 0)
    existing = set(
        FeedbackRequest.objects.filter(cycle=cycle, agent__team=team).values_list(
            "agent_id", "rater_id"
        )
    )
    rows = [
        FeedbackRequest(cycle=cycle, agent_id=a.agent_id, rater_id=a.rater_id, relation=a.relation)
        for a in asks
        if (a.agent_id, a.rater_id) not in existing
    ]
    created = FeedbackRequest.objects.bulk_create(rows)
    audit(
        "performance.feedback",
        user,
        team,
        cycle=cycle.pk,
        round=True,
        requests=len(created),
    )
    _tell_raters({r.rater_id for r in created}, cycle)
    return created


@transaction.atomic
def answer(
    row: FeedbackRequest, answers: Mapping[str, Any], comment: str, *, user
) -> FeedbackRequest:
    """The rater's answers (dimension → 1–5) and comment; final once submitted."""
    if not user.is_authenticated or row.rater_id != user.pk:
        raise NotAllowed(gettext_noop("Only the rater answers this request."))
    row = FeedbackRequest.objects.select_for_update().select_related("cycle").get(pk=row.pk)
    if row.submitted_at is not None:
        raise Conflict(gettext_noop("Answers are final once submitted."))
    require_open(row.cycle)
    clean = dict(answers)
    found = core.problems(clean)
    if found:
        raise Invalid(
            gettext_noop("Answer every dimension with 1 to 5."),
            [{"index": None, "id": None, "field": f.split(":")[0], "reason": f} for f in found],
        )
    if len(str(comment or "")) > MAX_COMMENT:
        raise Invalid(gettext_noop("The comment is longer than 2000 characters."))
    row.answers = {code: int(clean[code]) for code in core.CODES}
    row.comment = text(comment, MAX_COMMENT)
    row.submitted_at = timezone.now()
    row.save(update_fields=["answers", "comment", "submitted_at"])
    # Audited without the answers (the audit log is read by administrators).
    audit("performance.feedback", user, row, answered=True)
    return row
