"""Appeals: an agent contests an item of a submitted review; a supervisor decides."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from kefu.accounts.access import own_agent_id
from kefu.accounts.choices import Role
from kefu.audit.actions import record as audit
from kefu.lib.errors import Conflict, Invalid, NotAllowed
from kefu.notifications.actions import notify
from kefu.qa.core.figures import localized
from kefu.reviews.actions._common import (
    AUDIT,
    _revision,
    _url,
    scorecard_of,
    shown_score,
)
from kefu.reviews.choices import (
    AppealStatus,
    ReviewStatus,
    RevisionCause,
)
from kefu.reviews.core import scoring
from kefu.reviews.models import (
    Appeal,
    AppealEvent,
    Review,
    ReviewSettings,
)
from kefu.reviews.selectors import may_decide

# --- appeals ----------------------------------------------------------------------------


def appeal_window(review: Review) -> int:
    if review.plan is not None and review.plan.appeal_window_days is not None:
        return review.plan.appeal_window_days
    return ReviewSettings.current().appeal_window_days


def appeal_deadline(review: Review):
    if review.submitted_at is None:
        return None
    return review.submitted_at + timedelta(days=appeal_window(review))


def may_appeal(user, review: Review) -> bool:
    agent_id = own_agent_id(user) if user.is_authenticated else None
    deadline = appeal_deadline(review)
    return (
        agent_id is not None
        and review.agent_id == agent_id
        and review.status == ReviewStatus.SUBMITTED
        and deadline is not None
        and timezone.now() <= deadline
    )


@transaction.atomic
def file_appeal(review: Review, item: str, reason: str, *, user) -> Appeal:
    agent_id = own_agent_id(user) if user.is_authenticated else None
    if agent_id is None or review.agent_id != agent_id:
        raise NotAllowed("only the agent reviewed may appeal")
    if review.status != ReviewStatus.SUBMITTED:
        raise Conflict("the review is not finished")
    deadline = appeal_deadline(review)
    if deadline is None or timezone.now() > deadline:
        raise Conflict(f"the appeal window of {appeal_window(review)} days has closed")
    card = scorecard_of(review.scorecard_version)
    if item not in {i.id for i in card.items()}:
        raise Invalid(f"no item {item!r} on this scorecard")
    reason = reason.strip()
    if len(reason) < 2:
        raise Invalid("an appeal needs a reason")
    current = next((e for e in review.items if e["item"] == item and e.get("applies")), None)
    try:
        with transaction.atomic():
            appeal = Appeal.objects.create(
                review=review,
                item=item,
                appellant=user,
                reason=reason[:4000],
                points_before=current["points"] if current else None,
                score_before=review.score,
                agent_id=review.agent_id,
                team_id=review.team_id,
            )
    except IntegrityError:
        raise Conflict("this item was already appealed") from None
    AppealEvent.objects.create(appeal=appeal, status=AppealStatus.OPEN, by=user, note=appeal.reason)
    audit(
        AUDIT,
        user=user,
        object_type="reviews.appeal",
        object_id=str(appeal.pk),
        detail={"review": review.pk, "item": item},
    )
    deciders = list(review.team.supervisors.filter(is_active=True)) if review.team else []
    if not deciders:  # a team without a supervisor: the department decides
        deciders = list(
            get_user_model().objects.filter(is_active=True, groups__name=Role.MANAGER).distinct()
        )
    notify(
        [u for u in deciders if u.pk != user.pk],
        "reviews.appeal_submitted",
        gettext_noop("New appeal on %(conversation)s (item %(item)s)"),
        url=_url("appeal", appeal.pk),
        params={"conversation": review.conversation.external_id, "item": _item_name(review, item)},
    )
    return appeal


def _item_name(review: Review, item: str) -> dict[str, str]:
    """The item's name in both languages (the notification is read in the reader's)."""
    for section in review.scorecard_version.definition.get("sections") or []:
        for entry in section.get("items") or []:
            if entry.get("id") == item:
                return {lang: localized(entry.get("name"), lang, item) for lang in ("zh", "en")}
    return {"zh": item, "en": item}


@transaction.atomic
def decide_appeal(
    appeal: Appeal,
    *,
    upheld: bool,
    reason: str,
    user,
    applies: bool = False,
    points: float | None = None,
) -> Appeal:
    """Uphold (the item is changed: by default it no longer applies; or to `points`) or
    reject, with a reason. An upheld appeal re-scores the review as a new revision."""
    appeal = Appeal.objects.select_for_update().get(pk=appeal.pk)
    if not may_decide(user, appeal):
        raise NotAllowed("only the supervisor of the agent's team decides this appeal")
    if appeal.status != AppealStatus.OPEN:
        raise Conflict("the appeal was already decided")
    reason = reason.strip()
    if len(reason) < 2:
        raise Invalid("a decision needs a reason")
    review = Review.objects.select_for_update().get(pk=appeal.review_id)
    now = timezone.now()
    appeal.status = AppealStatus.UPHELD if upheld else AppealStatus.REJECTED
    appeal.decided_by, appeal.decision_reason, appeal.decided_at = user, reason[:4000], now
    if upheld:
        card = scorecard_of(review.scorecard_version)
        item = next(i for i in card.items() if i.id == appeal.item)
        magnitude = 0.0 if not applies else float(item.points if points is None else points)
        if applies and not 0 <= magnitude <= scoring.cap(item, card.base):
            raise Invalid(f"points must be between 0 and {scoring.cap(item, card.base):g}")
        values = scoring.replace_item(
            scoring.values_from_stored(review.items), appeal.item, applies, magnitude
        )
        result = scoring.manual_score(card, values)
        review.items = list(result.items)
        review.score, review.passed, review.fatal = result.score, result.passed, result.fatal
        review.revision += 1
        review.save(update_fields=["items", "score", "passed", "fatal", "revision"])
        _revision(review, RevisionCause.APPEAL_UPHELD, user, appeal)
        entry = next((e for e in review.items if e["item"] == appeal.item and e["applies"]), None)
        appeal.points_after = entry["points"] if entry else None
    else:
        appeal.points_after = appeal.points_before
    appeal.score_after = review.score
    appeal.save()
    AppealEvent.objects.create(
        appeal=appeal, status=appeal.status, by=user, note=appeal.decision_reason
    )
    audit(
        AUDIT,
        user=user,
        object_type="reviews.appeal",
        object_id=str(appeal.pk),
        detail={
            "status": appeal.status,
            "score_before": appeal.score_before,
            "score_after": appeal.score_after,
        },
    )
    title = (
        gettext_noop("Your appeal on %(conversation)s was upheld: score %(score)s")
        if upheld
        else gettext_noop("Your appeal on %(conversation)s was rejected")
    )
    params = {"conversation": review.conversation.external_id, "score": shown_score(review.score)}
    notify(
        [appeal.appellant],
        "reviews.appeal_decided",
        title,
        url=_url("appeal", appeal.pk),
        params=params,
    )
    if review.reviewer_id and review.reviewer_id != user.pk:
        notify(
            [review.reviewer_id],
            "reviews.appeal_decided",
            gettext_noop("An appeal on your review of %(conversation)s was decided"),
            url=_url("appeal", appeal.pk),
            params=params,
        )
    return appeal


@transaction.atomic
def withdraw_appeal(appeal: Appeal, *, user) -> Appeal:
    if appeal.appellant_id != user.pk:
        raise NotAllowed("only the appellant withdraws an appeal")
    if appeal.status != AppealStatus.OPEN:
        raise Conflict("the appeal was already decided")
    appeal.status = AppealStatus.WITHDRAWN
    appeal.decided_at = timezone.now()
    appeal.save(update_fields=["status", "decided_at"])
    AppealEvent.objects.create(appeal=appeal, status=appeal.status, by=user)
    return appeal
