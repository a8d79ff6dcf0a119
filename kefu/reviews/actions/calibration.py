"""Calibration sessions: specialists score the same conversations and agree."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from kefu.accounts.roles import MANAGE_SAMPLING, REVIEW
from kefu.audit.actions import record as audit
from kefu.interactions.models import Conversation
from kefu.lib.errors import Conflict, Invalid, NotAllowed
from kefu.notifications.actions import notify
from kefu.qa.models import Scorecard, ScorecardVersion
from kefu.reviews.actions._common import (
    AUDIT,
    _require,
    _url,
    scorecard_of,
)
from kefu.reviews.choices import (
    SessionStatus,
)
from kefu.reviews.core import scoring
from kefu.reviews.models import (
    CalibrationItem,
    CalibrationScore,
    CalibrationSession,
)
from kefu.reviews.selectors import is_participant

# --- calibration ------------------------------------------------------------------------


@transaction.atomic
def create_session(
    name: str,
    *,
    user,
    conversations: Sequence[Conversation],
    participants: Sequence,
    version: ScorecardVersion | None = None,
    due_at=None,
) -> CalibrationSession:
    _require(user, MANAGE_SAMPLING)
    if not name.strip():
        raise Invalid("a session needs a name")
    if len(participants) < 2:
        raise Invalid("calibration needs at least two reviewers")
    if not conversations:
        raise Invalid("choose at least one conversation")
    if any(not p.has_perm(REVIEW) for p in participants):
        raise Invalid("every participant must be a QA specialist")
    if version is None:
        card = Scorecard.objects.filter(is_default=True).first() or Scorecard.objects.first()
        version = card.current_version() if card else None
    if version is None:
        raise Invalid("there is no scorecard")
    session = CalibrationSession.objects.create(
        name=name.strip()[:120], scorecard_version=version, facilitator=user, due_at=due_at
    )
    session.participants.set(participants)
    CalibrationItem.objects.bulk_create(
        [
            CalibrationItem(session=session, conversation=c, position=n)
            for n, c in enumerate(conversations, 1)
        ]
    )
    audit(
        AUDIT,
        user=user,
        object_type="reviews.calibration",
        object_id=str(session.pk),
        detail={
            "conversations": [c.external_id for c in conversations],
            "participants": [p.pk for p in participants],
        },
    )
    notify(
        [p for p in participants if p.pk != user.pk],
        "reviews.calibration",
        gettext_noop("You are invited to the calibration session %(name)s"),
        url=_url("session", session.pk),
        params={"name": session.name},
    )
    return session


@transaction.atomic
def submit_calibration(
    item: CalibrationItem, values: Mapping[str, Any], *, user, comment: str = ""
) -> CalibrationScore:
    """A participant's blind score; final once given (so nobody adjusts after seeing
    the others)."""
    session = item.session
    if not is_participant(user, session):
        raise NotAllowed("only the session's participants score")
    if session.status != SessionStatus.OPEN:
        raise Conflict("the session is closed")
    card = scorecard_of(session.scorecard_version)
    try:
        result = scoring.manual_score(card, scoring.parse_values(card, values))
    except scoring.ItemError as exc:
        raise Invalid(str(exc)) from exc
    try:
        with transaction.atomic():
            score = CalibrationScore.objects.create(
                item=item,
                reviewer=user,
                items=list(result.items),
                score=result.score,
                passed=result.passed,
                fatal=result.fatal,
                comment=comment.strip(),
            )
    except IntegrityError:
        raise Conflict("you already scored this conversation") from None
    return score


@transaction.atomic
def record_agreed(
    item: CalibrationItem, values: Mapping[str, Any], *, user, note: str = ""
) -> CalibrationItem:
    session = item.session
    if not (session.facilitator_id == user.pk or user.has_perm(MANAGE_SAMPLING)):
        raise NotAllowed("the facilitator records the agreed score")
    card = scorecard_of(session.scorecard_version)
    try:
        result = scoring.manual_score(card, scoring.parse_values(card, values))
    except scoring.ItemError as exc:
        raise Invalid(str(exc)) from exc
    item.agreed_items = list(result.items)
    item.agreed_score, item.agreed_passed = result.score, result.passed
    item.agreed_note, item.agreed_by, item.agreed_at = note.strip(), user, timezone.now()
    item.save()
    audit(
        AUDIT,
        user=user,
        object_type="reviews.calibration",
        object_id=str(session.pk),
        detail={"agreed": item.conversation_id, "score": item.agreed_score},
    )
    return item


def close_session(session: CalibrationSession, *, user) -> CalibrationSession:
    if not (session.facilitator_id == user.pk or user.has_perm(MANAGE_SAMPLING)):
        raise NotAllowed("the facilitator closes the session")
    session.status, session.closed_at = SessionStatus.CLOSED, timezone.now()
    session.save(update_fields=["status", "closed_at"])
    return session
