"""Scoped reads of human QA: one function per model, used by every view and endpoint.

- Reviews: specialists, trainers and managers (view_all_reviews) see every review; a
  supervisor sees the submitted reviews of their teams' agents; an agent only their own
  submitted reviews; anybody else nothing. A review still being written is seen only by
  its reviewer and the department roles.
- Appeals follow their reviews.
- Calibration sessions: their participants and facilitator, and whoever manages
  sampling. Blindness (no other scores before one's own) is decided per conversation by
  `may_see_all_scores`.
- Sampling plans: whoever manages sampling or sees all reviews.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from kefu.accounts.roles import MANAGE_SAMPLING, VIEW_ALL_REVIEWS
from kefu.accounts.scoping import own_agent_id, supervised_team_ids
from kefu.reviews.choices import ReviewStatus
from kefu.reviews.models import (
    Appeal,
    CalibrationItem,
    CalibrationScore,
    CalibrationSession,
    Review,
    SamplingPlan,
)


def _review_condition(user, prefix: str = "") -> Q | None:
    """None: everything; else the Q on Review (or `prefix` + Review fields)."""
    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    if user.has_perm(VIEW_ALL_REVIEWS):
        return None
    submitted = Q(**{f"{prefix}status": ReviewStatus.SUBMITTED})
    condition = Q(**{f"{prefix}reviewer": user})  # a reviewer without the department view
    teams = supervised_team_ids(user)
    if teams:
        condition |= submitted & Q(**{f"{prefix}team_id__in": teams})
    agent_id = own_agent_id(user)
    if agent_id is not None:
        condition |= submitted & Q(**{f"{prefix}agent_id": agent_id})
    return condition


def reviews_visible_to(user) -> QuerySet[Review]:
    condition = _review_condition(user)
    qs = Review.objects.all()
    return qs if condition is None else qs.filter(condition)


def appeals_visible_to(user) -> QuerySet[Appeal]:
    condition = _review_condition(user, "review__")
    qs = Appeal.objects.all()
    return qs if condition is None else qs.filter(condition)


def may_decide(user, appeal: Appeal) -> bool:
    """The supervisor of the agent's team (or a department role with decide_any_appeal),
    never the appellant themselves, and only while the appeal is open."""
    if not user.is_authenticated or appeal.appellant_id == user.pk:
        return False
    if appeal.agent_id is not None and appeal.agent_id == own_agent_id(user):
        return False
    if user.has_perm("reviews.decide_any_appeal"):
        return True
    return appeal.team_id is not None and appeal.team_id in supervised_team_ids(user)


def appeals_to_decide(user) -> QuerySet[Appeal]:
    """Open appeals this user may decide."""
    qs = Appeal.objects.filter(status="open").exclude(appellant=user)
    agent_id = own_agent_id(user)
    if agent_id is not None:
        qs = qs.exclude(agent_id=agent_id)
    if user.has_perm("reviews.decide_any_appeal"):
        return qs
    return qs.filter(team_id__in=supervised_team_ids(user))


def plans_visible_to(user) -> QuerySet[SamplingPlan]:
    if user.is_authenticated and (
        user.has_perm(MANAGE_SAMPLING) or user.has_perm(VIEW_ALL_REVIEWS)
    ):
        return SamplingPlan.objects.all()
    return SamplingPlan.objects.none()


def sessions_visible_to(user) -> QuerySet[CalibrationSession]:
    if not user.is_authenticated:
        return CalibrationSession.objects.none()
    if user.has_perm(MANAGE_SAMPLING):
        return CalibrationSession.objects.all()
    return CalibrationSession.objects.filter(Q(participants=user) | Q(facilitator=user)).distinct()


def is_participant(user, session: CalibrationSession) -> bool:
    return session.participants.filter(pk=user.pk).exists()


def may_see_all_scores(user, item: CalibrationItem) -> bool:
    """Blind until submitted: a participant sees the others' scores of a conversation only
    after submitting their own; non-participants who may see the session see them."""
    if is_participant(user, item.session):
        return CalibrationScore.objects.filter(item=item, reviewer=user).exists()
    return sessions_visible_to(user).filter(pk=item.session_id).exists()


def calibration_scores_visible_to(user, item: CalibrationItem) -> QuerySet[CalibrationScore]:
    qs = CalibrationScore.objects.filter(item=item)
    if may_see_all_scores(user, item):
        return qs
    return qs.filter(reviewer=user)
