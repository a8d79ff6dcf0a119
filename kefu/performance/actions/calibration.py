"""The calibration meeting's writes: adjusting a review's score with a reason, and moving
a cycle through open → calibrating → closed. Audited; the agent is notified."""

from __future__ import annotations

import math

from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext_noop

from kefu.audit.actions import record as audit
from kefu.lib.errors import Conflict, Invalid
from kefu.notifications.actions import notify
from kefu.performance import links
from kefu.performance.actions._checks import require_manager
from kefu.performance.choices import CycleStatus
from kefu.performance.models import AgentScore, CalibrationAdjustment, Cycle

MAX_REASON = 2000
# Which status may follow which: the meeting opens, may go back to open (to recompute),
# and closes for good.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    CycleStatus.OPEN: (CycleStatus.CALIBRATING,),
    CycleStatus.CALIBRATING: (CycleStatus.OPEN, CycleStatus.CLOSED),
    CycleStatus.CLOSED: (),
}


def check_adjustment(score: AgentScore, after: float, reason: str) -> str:
    """The cleaned reason, or a refusal."""
    if score.cycle.status == CycleStatus.CLOSED:
        raise Conflict(gettext_noop("This cycle is closed: its scores can no longer be adjusted."))
    if not math.isfinite(after) or not 0 <= after <= 100:
        raise Invalid(gettext_noop("The score must be between 0 and 100."))
    cleaned = (reason or "").strip()
    if not cleaned:
        raise Invalid(gettext_noop("A reason is required for every adjustment."))
    if len(cleaned) > MAX_REASON:
        raise Invalid(gettext_noop("The reason is too long (at most 2,000 characters)."))
    if score.final_score is not None and round(after, 1) == round(score.final_score, 1):
        raise Invalid(gettext_noop("The score is unchanged."))
    return cleaned


@transaction.atomic
def adjust(
    score: AgentScore, *, after: float, reason: str, user, request: HttpRequest | None = None
) -> CalibrationAdjustment:
    """Set the review's calibrated score (the final score) and keep the adjustment with
    its reason; audited, the agent notified."""
    require_manager(user)
    score = (
        AgentScore.objects.select_for_update(of=("self",))
        .select_related("cycle", "agent__user")
        .get(pk=score.pk)
    )
    after = round(float(after), 1)
    cleaned = check_adjustment(score, after, reason)
    before = score.final_score
    adjustment = CalibrationAdjustment.objects.create(
        score=score, before=before, after=after, reason=cleaned, by=user
    )
    score.calibrated_score = after
    score.save(update_fields=["calibrated_score"])
    audit(
        "performance.calibrate",
        user=user,
        request=request,
        object_type="performance.score",
        object_id=str(score.pk),
        detail={
            "cycle": score.cycle.name,
            "agent": score.agent.external_id,
            "before": before,
            "after": after,
            "reason": cleaned,
        },
    )
    if score.agent.user is not None:
        notify(
            [score.agent.user],
            "performance.calibrated",
            gettext_noop(
                "Your score in %(cycle)s was adjusted in calibration: %(before)s → %(after)s"
            ),
            url=links.review(score.cycle_id, score.agent_id) or links.transparency(),
            params={
                "cycle": score.cycle.name,
                "before": "—" if before is None else f"{before:.1f}",
                "after": f"{after:.1f}",
            },
        )
    return adjustment


@transaction.atomic
def set_status(cycle: Cycle, status: str, *, user, request: HttpRequest | None = None) -> Cycle:
    """Move the cycle on (see TRANSITIONS); audited."""
    require_manager(user)
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    if status not in CycleStatus.values:
        raise Invalid(gettext_noop("Unknown status."))
    if status not in TRANSITIONS[cycle.status]:
        raise Conflict(gettext_noop("The cycle cannot move to this status from its current one."))
    before = cycle.status
    cycle.status = status
    cycle.save(update_fields=["status"])
    audit(
        "performance.cycle_status",
        user=user,
        request=request,
        object_type="performance.cycle",
        object_id=str(cycle.pk),
        detail={"cycle": cycle.name, "before": before, "after": status},
    )
    return cycle
