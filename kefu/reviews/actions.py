"""Every write of human QA: validate, then do, audit and notify.

Refusals raise `kefu.interactions.actions` errors (NotAllowed 403, Invalid 422,
Conflict 409), which the API answers as `{"detail": …}` and the pages show as messages.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_noop

from kefu.accounts.choices import Role
from kefu.accounts.roles import MANAGE_REVIEW_SETTINGS, MANAGE_SAMPLING, REVIEW
from kefu.accounts.scoping import own_agent_id
from kefu.audit.actions import record as audit
from kefu.audit.models import AuditAction
from kefu.core import periods
from kefu.core.localtime import configured_tz
from kefu.interactions.actions import Conflict, Invalid, NotAllowed
from kefu.interactions.models import Conversation
from kefu.notifications.actions import notify
from kefu.qa.core.scorecard import DEFAULT_PASS_LINE
from kefu.qa.models import QaHit, QaResult, Scorecard, ScorecardVersion
from kefu.reviews.choices import (
    OPEN_STATUSES,
    AppealStatus,
    Kind,
    ReviewStatus,
    RevisionCause,
    RunTrigger,
    SessionStatus,
)
from kefu.reviews.core import assignment, sampling, scoring
from kefu.reviews.models import (
    Appeal,
    AppealEvent,
    CalibrationItem,
    CalibrationScore,
    CalibrationSession,
    Review,
    ReviewRevision,
    ReviewSettings,
    SamplingPlan,
    SamplingRun,
)
from kefu.reviews.selectors import is_participant, may_decide

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


def _notify_agent(review: Review, kind: str, title: str) -> None:
    user = _agent_user(review)
    if user is not None:
        notify(
            [user],
            kind,
            title,
            url=_url("review", review.pk),
            params={"conversation": review.conversation.external_id, "score": f"{review.score:g}"},
        )


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
        params={"conversation": review.conversation.external_id, "item": item},
    )
    return appeal


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
    params = {"conversation": review.conversation.external_id, "score": f"{review.score:g}"}
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


def open_reviews_of(user) -> Q:
    return Q(reviewer=user, status__in=OPEN_STATUSES)
