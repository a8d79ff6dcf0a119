"""What every human-QA action shares: the audit action, permission checks, revisions
and the agent's notification."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.urls import reverse

from kefu.accounts.choices import Role
from kefu.audit.models import AuditAction
from kefu.lib.errors import NotAllowed
from kefu.notifications.actions import notify
from kefu.qa.models import ScorecardVersion
from kefu.reviews.choices import (
    OPEN_STATUSES,
)
from kefu.reviews.core import scoring
from kefu.reviews.models import (
    Appeal,
    Review,
    ReviewRevision,
)

# Every workflow write is audited as human QA; object_type says which.
AUDIT = AuditAction.QA_REVIEW
NEGATIVE_INDICATORS = ("negative_emotion", "anger", "unresolved_negative_end")
MAX_SECONDS_PER_SAVE = 4 * 3600  # a form left open overnight is not review time


def _url(name: str, *args: Any) -> str:
    return reverse(f"reviews:{name}", args=args)


def qa_specialists() -> list:
    return list(
        get_user_model()
        .objects.filter(is_active=True, groups__name=Role.QA)
        .order_by("pk")
        .distinct()
    )


def scorecard_of(version: ScorecardVersion):
    return scoring.load(dict(version.definition) | {"version": version.number})


def _require(user, perm: str) -> None:
    if not user.is_authenticated or not user.has_perm(perm):
        raise NotAllowed("you may not do this")


def _revision(review: Review, cause: str, user, appeal: Appeal | None = None) -> ReviewRevision:
    return ReviewRevision.objects.create(
        review=review,
        number=review.revision,
        cause=cause,
        items=review.items,
        score=review.score,
        passed=review.passed,
        fatal=review.fatal,
        appeal=appeal,
        created_by=user,
    )


def _agent_user(review: Review):
    agent = review.agent
    return agent.user if agent is not None and agent.user_id else None


def shown_score(score: float | None) -> str:
    """A review's score in a notification ("—" when no item applied, so there is none)."""
    return "—" if score is None else f"{score:g}"


def _notify_agent(review: Review, kind: str, title: str) -> None:
    user = _agent_user(review)
    if user is not None:
        notify(
            [user],
            kind,
            title,
            url=_url("review", review.pk),
            params={
                "conversation": review.conversation.external_id,
                "score": shown_score(review.score),
            },
        )


def open_reviews_of(user) -> Q:
    return Q(reviewer=user, status__in=OPEN_STATUSES)
