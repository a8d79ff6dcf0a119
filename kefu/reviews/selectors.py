"""Scoped reads of human QA: one function per model, used by every view and endpoint.
The rules are registered with `kefu.accounts.access` (kefu/reviews/apps.py):

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

from django.db.models import QuerySet

from kefu.accounts import access
from kefu.reviews.choices import AppealStatus
from kefu.reviews.models import (
    Appeal,
    CalibrationItem,
    CalibrationScore,
    CalibrationSession,
    Review,
    SamplingPlan,
)

DECIDE = "decide"  # the access action of deciding an appeal


def reviews_visible_to(user) -> QuerySet[Review]:
    return access.restrict(Review.objects.all(), user)


def appeals_visible_to(user) -> QuerySet[Appeal]:
    return access.restrict(Appeal.objects.all(), user)


def _not_ones_own(user, qs: QuerySet[Appeal]) -> QuerySet[Appeal]:
    """Never the appellant, nor the agent the appeal is about."""
    qs = qs.exclude(appellant_id=user.pk)
    agent_id = access.own_agent_id(user)
    return qs if agent_id is None else qs.exclude(agent_id=agent_id)


def may_decide(user, appeal: Appeal) -> bool:
    """The supervisor of the agent's team (or a department role with decide_any_appeal),
    never the appellant themselves (the views check that it is still open)."""
    qs = _not_ones_own(user, Appeal.objects.filter(pk=appeal.pk))
    return access.restrict(qs, user, DECIDE).exists()


def appeals_to_decide(user) -> QuerySet[Appeal]:
    """Open appeals this user may decide."""
    qs = _not_ones_own(user, Appeal.objects.filter(status=AppealStatus.OPEN))
    return access.restrict(qs, user, DECIDE)


def plans_visible_to(user) -> QuerySet[SamplingPlan]:
    return access.restrict(SamplingPlan.objects.all(), user)


def sessions_visible_to(user) -> QuerySet[CalibrationSession]:
    return access.restrict(CalibrationSession.objects.all(), user)


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
