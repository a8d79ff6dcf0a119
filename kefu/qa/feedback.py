"""False-positive feedback (误判反馈) on rule hits: the writes and the reads of the pages.

- `judge_hit` — anyone who may see a conversation marks one of its current hits correct or
  reports it wrong (with an optional reason). A report changes nothing yet.
- `decide` — a QA specialist confirms a report (the conversation is re-scored at once with
  the hit left out: `kefu.qa.scoring` stores every later result without it, so the score,
  the hit lists, the roll-ups and every QA figure stop counting it) or rejects it.
- `rule_counts` — per rule: hits reviewed, confirmed false positives, reports waiting and
  the confirmed precision (`kefu.qa.core.figures.rule_precision`).

docs/qa-feedback.md describes the workflow and the figure.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts.access import restrict
from kefu.audit.actions import record as audit
from kefu.audit.models import AuditAction
from kefu.interactions.models import Conversation
from kefu.qa.core.figures import rule_precision
from kefu.qa.models import FeedbackStatus, HitFeedback, QaResult, ScorecardVersion
from kefu.qa.scoring import score_conversations
from kefu.qa.selectors import hits_visible_to

DECIDE = "decide"  # the access action of confirming or rejecting a report
REVIEWED = (FeedbackStatus.CORRECT, FeedbackStatus.CONFIRMED, FeedbackStatus.REJECTED)


class FeedbackError(ValueError):
    """A judgement that cannot be taken (shown to the user; `status`: the HTTP answer)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def feedback_visible_to(user, action: str = "view") -> QuerySet[HitFeedback]:
    return restrict(HitFeedback.objects.all(), user, action)


@transaction.atomic
def judge_hit(
    user, conversation: Conversation, indicator: str, *, wrong: bool, reason: str = ""
) -> HitFeedback:
    """Mark the conversation's current hit of `indicator` correct, or report it wrong.
    The caller has checked that the user may see the conversation. A later judgement
    replaces an earlier one until a QA specialist has decided; then it is final."""
    hit = (
        hits_visible_to(user)
        .filter(result__conversation=conversation, indicator=indicator)
        .order_by("-pk")
        .first()
    )
    if hit is None:
        raise FeedbackError(_("This rule has no current hit on the conversation."))
    existing = HitFeedback.objects.select_for_update().filter(
        conversation=conversation, indicator=indicator
    )
    feedback = existing.first()
    if feedback is not None and feedback.is_decided:
        raise FeedbackError(_("A QA specialist has already decided on this hit."), 409)
    feedback = feedback or HitFeedback(conversation=conversation, indicator=indicator)
    feedback.status = FeedbackStatus.PENDING if wrong else FeedbackStatus.CORRECT
    feedback.reason = reason.strip()[:500] if wrong else ""
    feedback.evidence = hit.evidence
    feedback.reported_by = user
    feedback.reported_at = timezone.now()
    feedback.save()
    audit(
        AuditAction.QA_REVIEW,
        user=user,
        object_type="qa_hit_feedback",
        object_id=str(feedback.pk),
        detail={"conversation": conversation.external_id, "indicator": indicator,
                "status": feedback.status, "reason": feedback.reason},
    )  # fmt: skip
    return feedback


def decide(user, feedback: HitFeedback, *, confirm: bool, note: str = "") -> HitFeedback:
    """Confirm a report (the hit stops counting: the conversation is re-scored without it)
    or reject it (the hit was right). Only a report still waiting can be decided."""
    with transaction.atomic():
        locked = HitFeedback.objects.select_for_update().get(pk=feedback.pk)
        if locked.status != FeedbackStatus.PENDING:
            raise FeedbackError(_("Only a report waiting for a decision can be decided."), 409)
        locked.status = FeedbackStatus.CONFIRMED if confirm else FeedbackStatus.REJECTED
        locked.decided_by = user
        locked.decided_at = timezone.now()
        locked.decision_note = note.strip()[:500]
        locked.save()
        audit(
            AuditAction.QA_REVIEW,
            user=user,
            object_type="qa_hit_feedback",
            object_id=str(locked.pk),
            detail={"conversation_id": locked.conversation_id, "indicator": locked.indicator,
                    "status": locked.status, "note": locked.decision_note},
        )  # fmt: skip
    if confirm:
        rescore_conversation(locked.conversation_id)
    return locked


def rescore_conversation(conversation_id: int) -> None:
    """Score the conversation again with the version of each of its current results."""
    version_ids = set(
        QaResult.objects.filter(conversation_id=conversation_id, is_current=True).values_list(
            "scorecard_version_id", flat=True
        )
    )
    for version in ScorecardVersion.objects.filter(pk__in=version_ids).select_related("scorecard"):
        score_conversations([conversation_id], version)


@dataclass(frozen=True)
class RuleFeedback:
    reviewed: int = 0
    false_positives: int = 0
    pending: int = 0

    @property
    def precision(self) -> float | None:
        return rule_precision(self.false_positives, self.reviewed)


def rule_counts(indicators: list[str] | None = None) -> dict[str, RuleFeedback]:
    """Rule id → its feedback counts (every conversation's judgement, one query)."""
    qs = HitFeedback.objects.all()
    if indicators is not None:
        qs = qs.filter(indicator__in=indicators)
    rows = (
        qs.order_by()
        .values_list("indicator")
        .annotate(
            reviewed=Count("pk", filter=Q(status__in=REVIEWED)),
            false_positives=Count("pk", filter=Q(status=FeedbackStatus.CONFIRMED)),
            pending=Count("pk", filter=Q(status=FeedbackStatus.PENDING)),
        )
    )
    return {key: RuleFeedback(r, fp, p) for key, r, fp, p in rows}


def for_conversation(conversation: Conversation) -> dict[str, HitFeedback]:
    """Indicator → the judgement of its hit on this conversation."""
    qs = HitFeedback.objects.filter(conversation=conversation).select_related(
        "reported_by", "decided_by"
    )
    return {f.indicator: f for f in qs}


def attach(hits: list[dict], conversation: Conversation) -> dict[str, HitFeedback]:
    """Give each hit of a page (`presenters.conversation_page`'s) its judgement
    (`hit["feedback"]`, None when not judged); returns every judgement of the conversation."""
    judged = for_conversation(conversation)
    for hit in hits:
        hit["feedback"] = judged.get(hit["indicator"])
    return judged
