"""Scoring a review (a draft or submitted; each submission is a revision)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from kefu.accounts.roles import REVIEW
from kefu.audit.actions import record as audit
from kefu.lib.errors import Conflict, Invalid, NotAllowed
from kefu.reviews.actions._common import (
    AUDIT,
    MAX_SECONDS_PER_SAVE,
    _notify_agent,
    _revision,
    scorecard_of,
)
from kefu.reviews.choices import (
    AppealStatus,
    Kind,
    ReviewStatus,
    RevisionCause,
)
from kefu.reviews.core import scoring
from kefu.reviews.models import (
    Review,
)

# --- reviewing --------------------------------------------------------------------------


@transaction.atomic
def save_review(
    review: Review,
    values: Mapping[str, Any],
    *,
    user,
    comment: str = "",
    coaching: str = "",
    submit: bool = True,
    seconds: int = 0,
) -> Review:
    """Save the reviewer's scores (a draft, or submitted). A submitted review may be
    corrected by its reviewer while no appeal is open; each submission is a revision."""
    if review.reviewer_id != user.pk or not user.has_perm(REVIEW):
        raise NotAllowed("only the assigned QA specialist scores this review")
    if review.status == ReviewStatus.CANCELLED:
        raise Conflict("the review was cancelled")
    was_submitted = review.status == ReviewStatus.SUBMITTED
    if was_submitted and not submit:
        raise Conflict("a submitted review cannot go back to a draft")
    if was_submitted and review.appeals.filter(status=AppealStatus.OPEN).exists():
        raise Conflict("an appeal on this review is open; it is decided first")
    card = scorecard_of(review.scorecard_version)
    try:
        parsed = scoring.parse_values(card, values)
    except scoring.ItemError as exc:
        raise Invalid(
            str(exc), [{"index": None, "id": exc.item, "field": "items", "reason": exc.reason}]
        ) from exc
    result = scoring.manual_score(card, parsed)
    now = timezone.now()
    review.items = list(result.items)
    review.score, review.passed, review.fatal = result.score, result.passed, result.fatal
    review.comment, review.coaching = comment.strip(), coaching.strip()
    spent = max(0, min(int(seconds), MAX_SECONDS_PER_SAVE))
    review.handle_seconds += spent
    # The clock started when the form was opened (the signed timer says how long ago):
    # set at the first save, as opening the page (a GET) writes nothing.
    review.started_at = review.started_at or now - timedelta(seconds=spent)
    if not submit:
        review.status = ReviewStatus.DRAFT
        review.save()
        return review
    review.status = ReviewStatus.SUBMITTED
    review.submitted_at = review.submitted_at or now
    review.revision += 1
    review.save()
    _revision(review, RevisionCause.EDITED if was_submitted else RevisionCause.SUBMITTED, user)
    audit(
        AUDIT,
        user=user,
        object_type="reviews.review",
        object_id=str(review.pk),
        detail={"revision": review.revision, "score": review.score, "passed": review.passed},
    )
    if not was_submitted and review.agent_id is not None and review.kind != Kind.MYSTERY_SHOPPER:
        _notify_agent(
            review,
            "reviews.reviewed",
            gettext_noop("Your conversation %(conversation)s was reviewed: %(score)s"),
        )
    elif not was_submitted and review.agent_id is not None:
        _notify_agent(
            review,
            "reviews.reviewed",
            gettext_noop("A mystery-shopper evaluation of %(conversation)s: %(score)s"),
        )
    return review
