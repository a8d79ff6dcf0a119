"""Human-QA demo data (called by `kefu demo` after the log-ins exist; idempotent).

A year of the seeds' department: 100 conversations reviewed per month. January–June a
stratified random plan reviewed from scratch (≈ 9 min a review); from July automatic QA
pre-fills the form and a risk-aimed plan picks the conversations (≈ 6.3 min, the seeds'
−30 % manual workload; risk sampling finds more key problems per 100 reviews). The
reviewers' corrections of the automatic result are drawn at random (a false positive
removed, a missed problem added, a partial deduction). December's sample is open in the
specialists' queues; the demo agent has reviewed results with an upheld appeal and an
open one; one calibration session is complete and agreed, one waits for `qa`.
Handling times are simulated; everything else goes through the real sampling code.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from kefu.accounts.models import Agent
from kefu.interactions.models import Conversation
from kefu.qa import scoring as qa_scoring
from kefu.qa.models import PendingQa, QaResult, Scorecard
from kefu.reviews import actions
from kefu.reviews.choices import Kind, ReviewStatus, RevisionCause
from kefu.reviews.core import scoring
from kefu.reviews.models import (
    CalibrationScore,
    Review,
    ReviewRevision,
    SamplingPlan,
)

EXTRA_SPECIALISTS = (("qa_li", "李静"), ("qa_wang", "王磊"))
SCORE_ALL_UP_TO = 120_000  # beyond this the demo scores only what it samples
MISSED = ("confirm_need", "proactive_offer", "polite_words", "closing", "soothing")


def _specialists(password: str) -> list:
    users = []
    group = Group.objects.get(name="qa")
    for username, name in EXTRA_SPECIALISTS:
        user, created = get_user_model().objects.get_or_create(
            username=username, defaults={"first_name": name}
        )
        if created:
            user.set_password(password)
            user.save()
        user.groups.add(group)
        users.append(user)
    return users


def _simulate(review: Review, rng: random.Random, after_auto: bool, card) -> None:
    """The reviewer's result: the automatic items, corrected now and then."""
    auto = review.auto_result.items if review.auto_result else []
    values = scoring.values_from_automatic(auto)
    items = {i.id: i for i in card.items()}
    for item_id in list(values):
        if rng.random() < 0.12:  # a false positive of the engine
            values.pop(item_id)
    missed_rate = 0.30 if after_auto else 0.22
    if rng.random() < missed_rate:
        item_id = rng.choice([m for m in MISSED if m in items] or list(items))
        item = items[item_id]
        cap = scoring.cap(item, card.base)
        points = min(cap, 5.0, max(1.0, round(item.points * rng.choice((0.5, 1.0)))))
        values[item_id] = scoring.ItemValue(item_id, True, points, "人工复核发现")
    result = scoring.manual_score(card, values)
    review.items = list(result.items)
    review.score, review.passed, review.fatal = result.score, result.passed, result.fatal
    minutes = rng.gauss(6.3 if after_auto else 9.0, 1.5)
    review.handle_seconds = int(max(2.0, minutes) * 60)
    review.comment = "" if result.passed else "未达标，需辅导"
    review.coaching = "" if result.passed else "注意服务用语，先确认客户需求再给方案。"


def _finish(reviews: list[Review], rng: random.Random, after_auto: bool, end: date, tz) -> None:
    if not reviews:
        return
    card = actions.scorecard_of(reviews[0].scorecard_version)
    revisions = []
    for review in reviews:
        _simulate(review, rng, after_auto, card)
        day = end - timedelta(days=rng.randint(0, 4))  # reviewed as the month closes
        review.started_at = datetime.combine(
            day, time(9 + rng.randint(0, 7), rng.randint(0, 59)), tz
        )
        review.submitted_at = review.started_at + timedelta(seconds=review.handle_seconds)
        review.status = ReviewStatus.SUBMITTED
        review.revision = 1
        revisions.append(
            ReviewRevision(
                review=review,
                number=1,
                cause=RevisionCause.SUBMITTED,
                items=review.items,
                score=review.score,
                passed=review.passed,
                fatal=review.fatal,
                created_by_id=review.reviewer_id,
            )
        )
    Review.objects.bulk_update(
        reviews,
        [
            "items",
            "score",
            "passed",
            "fatal",
            "handle_seconds",
            "comment",
            "coaching",
            "started_at",
            "submitted_at",
            "status",
            "revision",
        ],
    )
    ReviewRevision.objects.bulk_create(revisions)


def _month_starts(first: date, last: date) -> list[date]:
    months, day = [], first.replace(day=1)
    while day <= last:
        months.append(day)
        day = (day + timedelta(days=32)).replace(day=1)
    return months


@transaction.atomic
def seed_demo(seed: int = 42, password: str = "kefu2024") -> None:
    if SamplingPlan.objects.exists() or not Conversation.objects.exists():
        return
    tz = timezone.get_default_timezone()
    rng = random.Random(seed)
    if PendingQa.objects.count() <= SCORE_ALL_UP_TO:
        qa_scoring.score_pending()  # risk sampling reads the automatic results
    qa = get_user_model().objects.filter(username="qa").first()
    manager = get_user_model().objects.filter(username="manager").first()
    others = _specialists(password)
    card = Scorecard.objects.filter(is_default=True).first()
    if qa is None or card is None:
        return
    span = Conversation.objects.order_by("created_at").values_list("created_at", flat=True)
    first = timezone.localtime(span.first(), tz).date()
    last = timezone.localtime(span.last(), tz).date()
    months = _month_starts(first, last)
    random_plan = SamplingPlan.objects.create(
        name="部门月度抽检（分层随机）",
        scorecard=card,
        method="stratified",
        strata="team",
        quota=100,
        quota_basis="total",
        period="month",
        seed=seed,
        active=False,
        description="上线自动质检前：每月 100 通，按班组分层随机。",
        created_by=manager,
    )
    risk_plan = SamplingPlan.objects.create(
        name="风险导向抽检",
        scorecard=card,
        method="risk",
        quota=100,
        quota_basis="total",
        period="month",
        seed=seed,
        base_weight=0.05,
        risk_weights={
            "low_score": 4.0,
            "fatal": 6.0,
            "negative_emotion": 2.0,
            "complaint": 3.0,
            "low_csat": 2.0,
        },
        active=True,
        created_by=manager,
        description="自动质检上线后：低分、一票否决、负面情绪、投诉、差评优先，每月 100 通。",
    )
    switch = months[len(months) // 2] if len(months) > 1 else months[0]
    for start in months:
        end = (start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        plan = random_plan if start < switch else risk_plan
        is_last = start == months[-1]
        run = actions.run_plan(
            plan, today=min(end, last) if is_last else end + timedelta(days=1), current=is_last
        )
        reviews = list(run.reviews.select_related("auto_result", "scorecard_version"))
        if is_last:  # the newest month is being reviewed: a third done, the rest queued
            done = reviews[: len(reviews) // 3]
            _finish(done, rng, True, min(end, last), tz)
        else:
            _finish(reviews, rng, start >= switch, end, tz)
    _agent_story(qa, rng, tz)
    _calibration(qa, others, rng)
    _mystery(qa, rng, last, tz)


def _agent_story(qa, rng: random.Random, tz) -> None:
    """The demo agent: recent reviews, one appeal upheld by the supervisor, one open."""
    user = get_user_model().objects.filter(username="agent").first()
    agent = Agent.objects.filter(user=user).first() if user else None
    if agent is None:
        return
    conversations = list(
        Conversation.objects.filter(agent=agent, qa_results__is_current=True).order_by(
            "-created_at"
        )[:2]
    )
    supervisor = get_user_model().objects.filter(username="supervisor").first()
    now = timezone.now()
    reviews = []
    for n, conversation in enumerate(conversations):
        review = actions.create_review(conversation, by=qa)
        auto = review.auto_result.items if review.auto_result else []
        values = scoring.values_from_automatic(auto)
        values["confirm_need"] = scoring.ItemValue("confirm_need", True, 5.0, "没有复述客户的诉求")
        values["proactive_offer"] = scoring.ItemValue(
            "proactive_offer", True, 5.0, "结束前未主动询问"
        )
        raw = {
            k: {"applies": v.applies, "points": v.points, "comment": v.comment}
            for k, v in values.items()
        }
        actions.save_review(
            review,
            raw,
            user=qa,
            comment="沟通基本到位，主动性不足。",
            coaching="结束前问一句“还有其他可以帮您的吗？”",
            seconds=rng.randint(300, 480),
        )
        # Reviewed yesterday: the appeal window is open for the agent to try it.
        Review.objects.filter(pk=review.pk).update(submitted_at=now - timedelta(days=1 + n))
        review.refresh_from_db()
        reviews.append(review)
    if not reviews or user is None:
        return
    stories = (
        ("confirm_need", "我在第二条消息里已经确认了订单号和退款诉求。", True),
        ("proactive_offer", "客户已说“没有了”，会话已结束。", False),
    )
    for n, (item, reason, decide) in enumerate(stories):
        review = reviews[min(n, len(reviews) - 1)]
        review.refresh_from_db()
        appeal = actions.file_appeal(review, item, reason, user=user)
        if decide and supervisor is not None:
            actions.decide_appeal(
                appeal,
                upheld=True,
                reason="核实消息记录，确已确认需求，撤销扣分。",
                user=supervisor,
            )


def _calibration(qa, others: list, rng: random.Random) -> None:
    pool = list(
        QaResult.objects.filter(is_current=True, hit_count__gte=2)
        .order_by("-day", "pk")
        .values_list("conversation_id", flat=True)[:6]
    )
    conversations = list(Conversation.objects.filter(pk__in=pool).order_by("pk"))
    if len(conversations) < 6:
        return
    reviewers = [qa, *others]
    done = actions.create_session(
        "11月校准会", user=qa, conversations=conversations[:3], participants=reviewers
    )
    waiting = actions.create_session(
        "12月校准会", user=qa, conversations=conversations[3:], participants=reviewers
    )
    for session, scorers in ((done, reviewers), (waiting, others)):
        for item in session.items.select_related("conversation"):
            auto = QaResult.objects.filter(conversation=item.conversation, is_current=True).first()
            base = scoring.values_from_automatic(auto.items if auto else [])
            for user in scorers:
                values = dict(base)
                if rng.random() < 0.5 and values:
                    values.pop(rng.choice(sorted(values)))
                if rng.random() < 0.4:
                    values["confirm_need"] = scoring.ItemValue(
                        "confirm_need", True, rng.choice((3.0, 5.0))
                    )
                raw = {k: {"applies": v.applies, "points": v.points} for k, v in values.items()}
                actions.submit_calibration(item, raw, user=user)
            if session is done:
                raw = {k: {"applies": v.applies, "points": v.points} for k, v in base.items()}
                actions.record_agreed(item, raw, user=qa, note="以录音与规则为准，达成一致。")
    actions.close_session(done, user=qa)
    assert CalibrationScore.objects.filter(item__session=done).exists()


def _mystery(qa, rng: random.Random, last: date, tz) -> None:
    chats = Conversation.objects.filter(qa_results__is_current=True, channel="chat")
    fresh = chats.exclude(reviews__isnull=False).order_by("-created_at")[:2]
    conversations = list(fresh) or list(chats.order_by("-created_at")[:2])
    scenarios = ("暗访：询问七天无理由退货政策", "暗访：投诉物流延误并要求补偿")
    for conversation, scenario in zip(conversations, scenarios, strict=False):
        review = actions.create_review(
            conversation,
            by=qa,
            kind=Kind.MYSTERY_SHOPPER,
            scenario=scenario,
            shopper="外包暗访团队",
        )
        values = scoring.values_from_automatic(
            review.auto_result.items if review.auto_result else []
        )
        actions.save_review(
            review,
            {k: {"applies": True, "points": v.points} for k, v in values.items()},
            user=qa,
            comment="按暗访脚本评估。",
            seconds=rng.randint(400, 700),
        )
