"""Human-QA settings, sampling plans and runs, assignment and reviews created by hand."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext_noop

from kefu.accounts.access import own_agent_id
from kefu.accounts.roles import MANAGE_REVIEW_SETTINGS, MANAGE_SAMPLING, REVIEW
from kefu.audit.actions import record as audit
from kefu.core import periods
from kefu.interactions.models import Conversation
from kefu.lib.errors import Conflict, Invalid, NotAllowed
from kefu.lib.localtime import configured_tz
from kefu.notifications.actions import notify
from kefu.qa.core.scorecard import DEFAULT_PASS_LINE
from kefu.qa.models import QaHit, QaResult, Scorecard, ScorecardVersion
from kefu.reviews.actions._common import (
    AUDIT,
    NEGATIVE_INDICATORS,
    _require,
    _url,
    qa_specialists,
)
from kefu.reviews.choices import (
    OPEN_STATUSES,
    Kind,
    ReviewStatus,
    RunTrigger,
)
from kefu.reviews.core import assignment, sampling
from kefu.reviews.models import (
    Review,
    ReviewSettings,
    SamplingPlan,
    SamplingRun,
)

# --- settings and plans -----------------------------------------------------------------


def save_settings(data: Mapping[str, Any], *, user) -> ReviewSettings:
    _require(user, MANAGE_REVIEW_SETTINGS)
    row = ReviewSettings.current()
    old = {f: str(getattr(row, f)) for f in data}
    for field, value in data.items():
        setattr(row, field, value)
    row.updated_by = user
    row.save()
    audit(
        AUDIT,
        user=user,
        object_type="reviews.settings",
        object_id="1",
        detail={"old": old, "new": {f: str(v) for f, v in data.items()}},
    )
    return row


def rules_of(plan: SamplingPlan) -> sampling.Rules:
    low = plan.low_score_below
    if low is None:
        version = plan.scorecard.current_version()
        low = float((version.definition if version else {}).get("pass_line", DEFAULT_PASS_LINE))
    return sampling.Rules(
        method=plan.method,
        quota=plan.quota,
        per_agent=plan.quota_basis == "per_agent",
        strata=plan.strata,
        risk_weights={k: float(v) for k, v in (plan.risk_weights or {}).items()},
        base_weight=plan.base_weight,
        low_score_below=low,
    )


@transaction.atomic
def save_plan(
    data: Mapping[str, Any],
    *,
    user,
    plan: SamplingPlan | None = None,
    teams: Iterable | None = None,
    reviewers: Iterable | None = None,
) -> SamplingPlan:
    _require(user, MANAGE_SAMPLING)
    created = plan is None
    plan = plan or SamplingPlan(created_by=user)
    for field, value in data.items():
        setattr(plan, field, value)
    try:
        rules_of(plan)
    except ValueError as exc:
        raise Invalid(str(exc)) from exc
    if not plan.name.strip():
        raise Invalid("a plan needs a name")
    plan.save()
    if teams is not None:
        plan.teams.set(teams)
    if reviewers is not None:
        plan.reviewers.set(reviewers)
    audit(
        AUDIT,
        user=user,
        object_type="reviews.plan",
        object_id=str(plan.pk),
        detail={"created": created, "fields": {k: str(v) for k, v in data.items()}},
    )
    return plan


# --- sampling ---------------------------------------------------------------------------


def candidates_for(plan: SamplingPlan, start: date, end: date) -> list[sampling.Candidate]:
    """Finished conversations with an agent in the period (and the plan's teams and
    channels), with what risk sampling needs from their current automatic result."""
    qs = Conversation.objects.filter(
        **periods.lookups("created_at", start, end, configured_tz()), agent__isnull=False
    ).exclude(status="open")
    team_ids = list(plan.teams.values_list("pk", flat=True))
    if team_ids:
        qs = qs.filter(team_id__in=team_ids)
    if plan.channels:
        qs = qs.filter(channel__in=plan.channels)
    rows = list(qs.values_list("pk", "agent_id", "team_id", "channel", "complaint", "csat"))
    ids = [r[0] for r in rows]
    results: dict[int, tuple[float, bool]] = {}
    negative: set[int] = set()
    for chunk in _chunks(ids):
        for conv, score, fatal in QaResult.objects.filter(
            conversation_id__in=chunk, is_current=True
        ).values_list("conversation_id", "score", "fatal"):
            results[conv] = (score, fatal)
        negative.update(
            QaHit.objects.filter(
                result__conversation_id__in=chunk,
                is_current=True,
                indicator__in=NEGATIVE_INDICATORS,
            ).values_list("result__conversation_id", flat=True)
        )
    return [
        sampling.Candidate(
            id=pk,
            agent=agent,
            team=team,
            channel=channel,
            score=results.get(pk, (None, False))[0],
            fatal=results.get(pk, (None, False))[1],
            negative_emotion=pk in negative,
            complaint=complaint,
            csat=csat,
        )
        for pk, agent, team, channel, complaint, csat in rows
    ]


def _chunks(ids: Sequence[int], size: int = 500) -> Iterable[Sequence[int]]:
    for i in range(0, len(ids), size):
        yield ids[i : i + size]


@transaction.atomic
def run_plan(
    plan: SamplingPlan,
    *,
    trigger: str = RunTrigger.MANUAL,
    user=None,
    today: date | None = None,
    current: bool = False,
) -> SamplingRun:
    """Sample the plan's period (the last complete one; the current one to date with
    `current`), top it up to the quota, create the reviews and assign them."""
    if user is not None:
        _require(user, MANAGE_SAMPLING)
    today = today or timezone.localdate()
    if current:
        start, end = sampling.period_of(plan.period, today)
        end = min(end, today)
    else:
        start, end = sampling.last_complete(plan.period, today)
    version = plan.scorecard.current_version()
    if version is None:
        raise Invalid("the plan's scorecard has no version")
    rules = rules_of(plan)
    candidates = candidates_for(plan, start, end)
    already_ids = set(plan.reviews.values_list("conversation_id", flat=True))
    held = Counter(
        dict(
            plan.reviews.filter(period_start=start)
            .values_list("agent_id")
            .annotate(n=Count("pk"))
            .values_list("agent_id", "n")
        )
    )
    picks = sampling.sample(
        candidates,
        rules,
        seed=plan.seed,
        period=sampling.period_key(start),
        already=already_ids,
        already_by_agent=held,
    )
    run = SamplingRun.objects.create(
        plan=plan,
        period_start=start,
        period_end=end,
        trigger=trigger,
        seed=plan.seed,
        candidates=len(candidates),
        sampled=len(picks),
        factors=sampling.describe(picks),
        created_by=user,
    )
    by_id = {c.id: c for c in candidates}
    autos = dict(
        QaResult.objects.filter(
            conversation_id__in=[p.id for p in picks], is_current=True
        ).values_list("conversation_id", "pk")
    )
    reviews = Review.objects.bulk_create(
        [
            Review(
                kind=Kind.SAMPLED,
                conversation_id=p.id,
                plan=plan,
                run=run,
                scorecard_version=version,
                auto_result_id=autos.get(p.id),
                agent_id=by_id[p.id].agent,
                team_id=by_id[p.id].team,
                period_start=start,
                sample_reason={"stratum": p.stratum, "factors": list(p.factors)},
                created_by=user,
            )
            for p in picks
        ]
    )
    pool = list(plan.reviewers.filter(is_active=True)) or qa_specialists()
    due = timezone.now() + timedelta(days=plan.due_days or ReviewSettings.current().due_days)
    run.assigned = len(assign(reviews, pool, due_at=due, by=user))
    run.save(update_fields=["assigned"])
    audit(
        AUDIT,
        user=user,
        actor=None if user else "schedule",
        object_type="reviews.run",
        object_id=str(run.pk),
        detail={
            "plan": plan.pk,
            "period": [str(start), str(end)],
            "sampled": run.sampled,
            "assigned": run.assigned,
        },
    )
    return run


def assign(reviews: Sequence[Review], pool: Sequence, *, due_at=None, by=None) -> list[Review]:
    """Assign reviews over the pool (least open reviews first, within capacity); notify
    each specialist once. Returns the reviews that found a reviewer."""
    if not reviews or not pool:
        return []
    limit = ReviewSettings.current().max_open_per_reviewer or None
    open_counts = dict(
        Review.objects.filter(reviewer__in=pool, status__in=OPEN_STATUSES)
        .values_list("reviewer_id")
        .annotate(n=Count("pk"))
        .values_list("reviewer_id", "n")
    )
    reviewers = [assignment.Reviewer(u.pk, open_counts.get(u.pk, 0), limit) for u in pool]
    agents_of = {u.pk: own_agent_id(u) for u in pool}
    conflicts = {
        r.pk: {uid for uid, aid in agents_of.items() if aid is not None and aid == r.agent_id}
        for r in reviews
    }
    chosen = assignment.balance([r.pk for r in reviews], reviewers, conflicts)
    now = timezone.now()
    done = []
    for review in reviews:
        rid = chosen.get(review.pk)
        if rid is None:
            continue
        review.reviewer_id = rid
        review.status = ReviewStatus.ASSIGNED
        review.assigned_at = now
        review.due_at = due_at or review.due_at
        done.append(review)
    Review.objects.bulk_update(done, ["reviewer", "status", "assigned_at", "due_at"])
    for rid, n in Counter(r.reviewer_id for r in done).items():
        notify(
            [rid],
            "reviews.assigned",
            gettext_noop("%(count)s conversations were assigned to you for review"),
            url=_url("queue"),
            params={"count": n},
        )
    return done


@transaction.atomic
def reassign(review: Review, reviewer, *, by) -> Review:
    if not (by.has_perm(MANAGE_SAMPLING) or review.reviewer_id == by.pk):
        raise NotAllowed("only the assignee or a QA lead may reassign a review")
    if review.status not in OPEN_STATUSES:
        raise Conflict("a finished review cannot be reassigned")
    if not reviewer.is_active or not reviewer.has_perm(REVIEW):
        raise Invalid("the new reviewer is not a QA specialist")
    if review.agent_id is not None and own_agent_id(reviewer) == review.agent_id:
        raise Invalid("nobody reviews their own conversation")
    old = review.reviewer_id
    review.reviewer = reviewer
    review.status = (
        ReviewStatus.ASSIGNED if review.status == ReviewStatus.UNASSIGNED else review.status
    )
    review.assigned_at = timezone.now()
    if review.due_at is None:
        review.due_at = review.assigned_at + timedelta(days=ReviewSettings.current().due_days)
    review.save(update_fields=["reviewer", "status", "assigned_at", "due_at"])
    audit(
        AUDIT,
        user=by,
        object_type="reviews.review",
        object_id=str(review.pk),
        detail={"reassigned_from": old, "to": reviewer.pk},
    )
    notify(
        [reviewer],
        "reviews.assigned",
        gettext_noop("Conversation %(conversation)s was assigned to you for review"),
        url=_url("review", review.pk),
        params={"conversation": review.conversation.external_id},
    )
    return review


def create_review(
    conversation: Conversation,
    *,
    by,
    kind: str = Kind.MANUAL,
    scenario: str = "",
    shopper: str = "",
    version: ScorecardVersion | None = None,
) -> Review:
    """A review outside any plan (a conversation picked by hand, or a mystery-shopper
    evaluation), assigned to its creator."""
    _require(by, REVIEW)
    if kind not in (Kind.MANUAL, Kind.MYSTERY_SHOPPER):
        raise Invalid("kind must be manual or mystery")
    if conversation.agent_id is not None and own_agent_id(by) == conversation.agent_id:
        raise Invalid("nobody reviews their own conversation")
    if kind == Kind.MYSTERY_SHOPPER and not scenario.strip():
        raise Invalid("a mystery-shopper evaluation names its scenario")
    if version is None:
        card = Scorecard.objects.filter(is_default=True).first() or Scorecard.objects.first()
        version = card.current_version() if card else None
    if version is None:
        raise Invalid("there is no scorecard")
    auto = (
        QaResult.objects.filter(conversation=conversation, is_current=True)
        .values_list("pk", flat=True)
        .first()
    )
    now = timezone.now()
    review = Review.objects.create(
        kind=kind,
        conversation=conversation,
        scorecard_version=version,
        auto_result_id=auto,
        agent_id=conversation.agent_id,
        team_id=conversation.team_id,
        reviewer=by,
        status=ReviewStatus.ASSIGNED,
        assigned_at=now,
        due_at=now + timedelta(days=ReviewSettings.current().due_days),
        scenario=scenario.strip()[:300],
        shopper=shopper.strip()[:100],
        created_by=by,
    )
    audit(
        AUDIT,
        user=by,
        object_type="reviews.review",
        object_id=str(review.pk),
        detail={"created": kind, "conversation": conversation.external_id},
    )
    return review
