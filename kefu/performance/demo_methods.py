"""Demo rows of the methods beside the figures (called by `kefu demo` with the demo's
cycles; idempotent: the methods' rows of these cycles are replaced).

- Every agent gets a log-in (an unusable password: nobody signs in with it) so that they
  can be asked for 360-degree feedback and receive notifications; a team without a
  supervisor gets its lead as supervisor.
- Behaviour ratings: in each cycle the team's supervisor rates most agents (92 %) on
  each active scale, the level following the agent's QA score of the period, with one
  to three of the agent's conversations of the period as evidence; about a third rated
  blind. One supervisor (of 售前二组) rates a level too high on average: the lenient
  rater the fairness checks flag.
- 360-degree feedback: one round per quarterly cycle for every team (self, 3 peers, the
  supervisor, 1 other-team rater), 87 % answered, with the seeds' figures: innovation
  (创新意愿) scores 71 % of the full score, knowledge sharing (知识分享) 65 %; empathy
  rises by 23 % and cross-team collaboration by 18 % from the first quarter to the last.
- Interviews for each quarterly cycle: 96 % of the agents scheduled, 94 % of those
  recorded, 90 % of the recorded acknowledged (most with a comment).
- About ten improvement plans for the agents with the lowest QA scores of the second and
  third quarters, with goals (QA score, first response time), coaching sessions and
  check-ins, lessons from the training demo, and their outcome.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from statistics import mean

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import Avg, Count

from kefu.accounts.models import Agent, Team
from kefu.bulk import fast_bulk_insert, insert_rows
from kefu.core import periods
from kefu.interactions.models import Conversation
from kefu.lib.localtime import configured_tz
from kefu.performance.choices import CycleKind, PlanStatus
from kefu.performance.core import feedback as core
from kefu.performance.core.methods import Member, team_round
from kefu.performance.models import (
    BarsRating,
    BarsScale,
    Cycle,
    FeedbackRequest,
    ImprovementPlan,
    Interview,
    PlanCheckin,
    PlanGoal,
)
from kefu.qa.models import QaResult
from kefu.training.models import Lesson

RATED_SHARE = 0.92
BLIND_SHARE = 0.33
LENIENT_TEAM = "售前二组"
ANSWERED_SHARE = 0.87
SELF_LENIENCY = 0.3
# Department means (1–5) per dimension, first quarter → last: innovation 71 % and
# knowledge sharing 65 % of the full score all year; empathy +23 %, collaboration +18 %.
FEEDBACK_MEANS = {
    "empathy": (3.30, 3.30 * 1.23),
    "collaboration": (3.20, 3.20 * 1.18),
    "knowledge_sharing": (3.25, 3.25),
    "innovation": (3.55, 3.55),
}
SCHEDULED_SHARE, RECORDED_SHARE, ACKNOWLEDGED_SHARE = 0.96, 0.94, 0.90
PLANS = 10
# How the closed plans ended, in turn: mostly met.
OUTCOMES = (
    PlanStatus.SUCCEEDED, PlanStatus.SUCCEEDED, PlanStatus.NOT_MET, PlanStatus.SUCCEEDED,
    PlanStatus.CANCELLED, PlanStatus.SUCCEEDED, PlanStatus.NOT_MET,
)  # fmt: skip
# Training demo courses linked to the plans (kefu/training/demo_courses.py).
PLAN_COURSES = ("首次响应时效：30 秒内回应", "确认客户需求：先复述再解决", "情绪安抚：真诚而不机械")

ACHIEVEMENTS = (
    "本季度质检均分 {qa}，较上季度稳定；客户表扬 {praise} 次。",
    "投诉会话处理规范，升级及时；质检均分 {qa}。",
    "主动分享疑难案例 {praise} 次，帮助新人熟悉退款流程；质检均分 {qa}。",
    "大促期间坚守高峰时段，接待量位居组内前列；质检均分 {qa}。",
)
GAPS = (
    "首次响应偏慢，午高峰超过 30 秒的会话较多。",
    "复杂问题需要多次转交，一次解决率偏低。",
    "安抚话术较机械，客户情绪未完全平复。",
    "未主动确认客户需求即作答，偶有答非所问。",
    "无明显差距，可在知识分享上发挥更大作用。",
)
CAUSES = (
    "同时接待会话过多，快捷短语使用少。",
    "对售后政策细节掌握不牢。",
    "共情表达练习不足。",
    "对新上线产品参数不熟悉。",
)
ACTIONS = (
    "学习《首次响应时效》课程；每周复盘两段超时会话；下季度首响 ≤ 30 秒。",
    "参加售后政策专项培训；疑难问题先查知识库再转交。",
    "每周与组长演练一次情绪安抚场景；质检“安抚”项不扣分。",
    "每月在复盘会分享一个案例。",
)
COMMENTS = (
    "同意，会按约定改进。",
    "认可记录。午高峰希望能增加排班支持。",
    "同意，下季度重点提升首次响应。",
    "",
    "感谢主管的辅导，会多分享案例。",
)
CHECKINS = (
    "一对一辅导：复盘两段超时会话，练习快捷短语。",
    "跟进：本周首响均值下降，继续保持。",
    "辅导：演练投诉安抚话术，确认先复述需求。",
    "跟进：质检扣分项减少，个别会话仍未确认需求。",
)


@transaction.atomic
def demo(seed: int, cycles: list[Cycle]) -> None:
    rng = random.Random(seed * 1009 + 18)
    cycles = sorted(cycles, key=lambda c: (c.start, c.kind))
    if not cycles:
        return
    users = ensure_agent_logins()
    supervisors = ensure_team_supervisors(users)
    BarsRating.objects.filter(cycle__in=cycles).delete()
    FeedbackRequest.objects.filter(cycle__in=cycles).delete()
    Interview.objects.filter(cycle__in=cycles).delete()
    ImprovementPlan.objects.filter(cycle__in=cycles).delete()
    agents = list(Agent.objects.exclude(team=None).order_by("external_id"))
    quarters = [c for c in cycles if c.kind == CycleKind.QUARTER]
    qa = {c.pk: qa_means(c) for c in cycles}
    for cycle in cycles:
        _ratings(rng, cycle, agents, supervisors, qa[cycle.pk])
    for index, cycle in enumerate(quarters):
        progress = index / max(1, len(quarters) - 1)
        _feedback(rng, cycle, agents, users, supervisors, qa[cycle.pk], progress)
        _interviews(rng, cycle, agents, supervisors, qa[cycle.pk])
    _plans(rng, quarters, agents, supervisors, qa)


# --- people ---------------------------------------------------------------------------------
def ensure_agent_logins() -> dict[int, int]:
    """agent id → user id; agents without a log-in get one (username: their id in lower
    case, an unusable password, the agent role)."""
    user_model = get_user_model()
    missing = list(Agent.objects.filter(user=None).order_by("external_id"))
    taken = set(
        user_model.objects.filter(
            username__in=[a.external_id.lower() for a in missing]
        ).values_list("username", flat=True)
    )
    unusable = make_password(None)
    created = user_model.objects.bulk_create(
        [
            user_model(username=a.external_id.lower(), first_name=a.name, password=unusable)
            for a in missing
            if a.external_id.lower() not in taken
        ]
    )
    by_name = {
        u.username: u.pk
        for u in user_model.objects.filter(username__in=[a.external_id.lower() for a in missing])
    }
    group = Group.objects.filter(name="agent").first()
    if group is not None and created:
        group.user_set.add(*created)
    linked = set(Agent.objects.exclude(user=None).values_list("user_id", flat=True))
    for agent in missing:
        user_id = by_name.get(agent.external_id.lower())
        if user_id is not None and user_id not in linked:
            agent.user_id = user_id
            linked.add(user_id)
    Agent.objects.bulk_update([a for a in missing if a.user_id], ["user"])
    return dict(Agent.objects.exclude(user=None).values_list("pk", "user_id"))


def ensure_team_supervisors(users: dict[int, int]) -> dict[int, int]:
    """team id → the user who appraises it: its first supervisor, or its lead (made
    supervisor of the team)."""
    out = {}
    group = Group.objects.filter(name="supervisor").first()
    for team in Team.objects.prefetch_related("supervisors").order_by("name"):
        current = sorted(team.supervisors.all(), key=lambda u: u.pk)
        if current:
            out[team.pk] = current[0].pk
            continue
        lead = team.agents.filter(tier="lead").order_by("external_id").first()
        if lead is None or lead.pk not in users:
            continue
        team.supervisors.add(users[lead.pk])
        if group is not None:
            group.user_set.add(users[lead.pk])
        out[team.pk] = users[lead.pk]
    return out


# --- figures of the period ----------------------------------------------------------------------
def qa_means(cycle: Cycle) -> dict[int, float]:
    """agent id → mean of the current QA scores of the cycle's period."""
    return dict(
        QaResult.objects.filter(is_current=True, day__gte=cycle.start, day__lte=cycle.end)
        .exclude(agent=None)
        .order_by()
        .values("agent_id")
        .annotate(m=Avg("score"))
        .values_list("agent_id", "m")
    )


def _conversations(cycle: Cycle) -> dict[int, list[int]]:
    window = periods.lookups("created_at", cycle.start, cycle.end, configured_tz())
    out: dict[int, list[int]] = defaultdict(list)
    for agent_id, pk in (
        Conversation.objects.filter(**window).exclude(agent=None).values_list("agent_id", "pk")
    ):
        out[agent_id].append(pk)
    return out


def _at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour, 0), tzinfo=configured_tz())


def _level(rng: random.Random, z: float, bias: float, top: int) -> int:
    """A level around 3.3 for the department's mean QA score, one level per standard
    deviation of the agents' scores, plus the rater's bias and noise."""
    return max(1, min(top, round(3.3 + 0.9 * z + bias + rng.gauss(0, 0.5))))


def _z_scores(qa: dict[int, float]) -> dict[int, float]:
    values = [v for v in qa.values() if v is not None]
    if len(values) < 2:
        return {}
    centre = mean(values)
    spread = (sum((v - centre) ** 2 for v in values) / (len(values) - 1)) ** 0.5 or 1.0
    return {pk: (v - centre) / spread for pk, v in qa.items() if v is not None}


# --- behaviour ratings -------------------------------------------------------------------------
def _ratings(rng, cycle, agents, supervisors, qa) -> None:
    scales = list(BarsScale.objects.filter(active=True))
    conversations = _conversations(cycle)
    lenient = set(Team.objects.filter(name=LENIENT_TEAM).values_list("pk", flat=True))
    rows, evidence = [], {}
    z = _z_scores(qa)
    at = _at(cycle.end + timedelta(days=3))
    for agent in agents:
        rater = supervisors.get(agent.team_id)
        mine = conversations.get(agent.pk)
        if rater is None or not mine or rng.random() > RATED_SHARE:
            continue
        if agent.user_id == rater:
            continue  # nobody rates themself
        blind = rng.random() < BLIND_SHARE
        for scale in scales:
            bias = 0.9 if agent.team_id in lenient else 0.0
            level = _level(rng, z.get(agent.pk, 0.0), bias, len(scale.levels))
            rows.append(
                {"cycle_id": cycle.pk, "agent_id": agent.pk, "scale_id": scale.pk,
                 "rater_id": rater, "level": level, "comment": "", "blind": blind,
                 "created_at": at, "updated_at": at}
            )  # fmt: skip
            evidence[(agent.pk, scale.pk)] = rng.sample(mine, min(len(mine), rng.randint(1, 3)))
    # Without model instances (bulk_create spends most of its time compiling values).
    fast_bulk_insert(BarsRating, rows)
    ids = BarsRating.objects.filter(cycle=cycle).values_list("agent_id", "scale_id", "pk")
    insert_rows(
        BarsRating.evidence.through,
        ("barsrating_id", "conversation_id"),
        [(pk, c) for agent, scale, pk in ids for c in evidence.get((agent, scale), ())],
    )


# --- 360-degree feedback -------------------------------------------------------------------------
def _answer(rng: random.Random, target: float) -> int:
    """An integer 1–5 whose expectation is `target` (clipped to 1–5)."""
    target = max(1.0, min(5.0, target))
    low = int(target)
    return min(5, low + (1 if rng.random() < target - low else 0))


def _feedback(rng, cycle, agents, users, supervisors, qa, progress) -> None:
    by_team: dict[int, list[Agent]] = defaultdict(list)
    for agent in agents:
        by_team[agent.team_id].append(agent)
    everyone = [Member(a.pk, users.get(a.pk)) for a in agents]
    scores = [s for s in qa.values() if s is not None]
    centre = mean(scores) if scores else 80.0
    effect = {a.pk: ((qa.get(a.pk) or centre) - centre) / 25 for a in agents}
    targets = {code: low + (high - low) * progress for code, (low, high) in FEEDBACK_MEANS.items()}
    rows = []
    asked, submitted = _at(cycle.end + timedelta(days=1)), _at(cycle.end + timedelta(days=10))
    for team_id, members in sorted(by_team.items()):
        team = [Member(a.pk, users.get(a.pk)) for a in members]
        ids = {m.agent_id for m in team}
        outsiders = [m for m in everyone if m.agent_id not in ids]
        sup = [supervisors[team_id]] if team_id in supervisors else []
        for ask in team_round(team, sup, outsiders, offset=cycle.pk or 0):
            row = {
                "cycle_id": cycle.pk, "agent_id": ask.agent_id, "rater_id": ask.rater_id,
                "relation": ask.relation, "answers": {}, "comment": "", "submitted_at": None,
                "created_at": asked,
            }  # fmt: skip
            if rng.random() < ANSWERED_SHARE:
                lift = SELF_LENIENCY if ask.relation == "self" else 0.0
                row["answers"] = {
                    code: _answer(rng, targets[code] + effect[ask.agent_id] + lift)
                    for code in core.CODES
                }
                row["submitted_at"] = submitted
                if rng.random() < 0.3:
                    row["comment"] = rng.choice(_FEEDBACK_COMMENTS)
            rows.append(row)
    fast_bulk_insert(FeedbackRequest, rows)


_FEEDBACK_COMMENTS = (
    "遇到疑难问题总是耐心解答，乐于帮助同事。",
    "跨组协作时响应及时，工单描述清楚。",
    "希望能多在复盘会上分享经验。",
    "对客户情绪把握到位，值得学习。",
    "可以多尝试新的服务方式，提出改进建议。",
    "知识库更新不够主动。",
)


# --- interviews ---------------------------------------------------------------------------
def _interviews(rng, cycle, agents, supervisors, qa) -> None:
    rows = []
    for agent in agents:
        interviewer = supervisors.get(agent.team_id)
        if interviewer is None or rng.random() > SCHEDULED_SHARE:
            continue
        when = _at(cycle.end + timedelta(days=rng.randint(3, 14)), rng.choice((10, 14, 16)))
        row = Interview(cycle=cycle, agent=agent, interviewer_id=interviewer, scheduled_at=when)
        if rng.random() < RECORDED_SHARE:
            score = qa.get(agent.pk)
            text = f"{score:.1f}" if score is not None else "—"
            row.held_at = when + timedelta(minutes=rng.choice((0, 5, 10)))
            row.achievements = rng.choice(ACHIEVEMENTS).format(qa=text, praise=rng.randint(1, 6))
            row.gaps = rng.choice(GAPS)
            row.causes = rng.choice(CAUSES)
            row.actions = rng.choice(ACTIONS)
            if rng.random() < ACKNOWLEDGED_SHARE:
                row.acknowledged_at = row.held_at + timedelta(days=rng.randint(0, 3), hours=2)
                row.agent_comment = rng.choice(COMMENTS)
        rows.append(row)
    Interview.objects.bulk_create(rows)


# --- improvement plans --------------------------------------------------------------------------
def _frt_means(cycle: Cycle, agent_ids: list[int]) -> dict[int, float]:
    window = periods.lookups("created_at", cycle.start, cycle.end, configured_tz())
    return dict(
        Conversation.objects.filter(agent_id__in=agent_ids, **window)
        .exclude(first_response_s=None)
        .order_by()
        .values("agent_id")
        .annotate(m=Avg("first_response_s"), n=Count("pk"))
        .values_list("agent_id", "m")
    )


def _plans(rng, quarters, agents, supervisors, qa) -> None:
    if len(quarters) < 2:
        return
    chosen: list[tuple[Cycle, Agent]] = []
    picked: set[int] = set()
    by_pk = {a.pk: a for a in agents}
    for cycle in quarters[1:3]:  # the second and third quarters
        scores = qa[cycle.pk]
        lowest = sorted((s, pk) for pk, s in scores.items() if pk in by_pk)
        for _score, pk in lowest:
            if len([c for c, _ in chosen if c == cycle]) >= PLANS // 2:
                break
            agent = by_pk[pk]
            if pk not in picked and supervisors.get(agent.team_id) not in (None, agent.user_id):
                chosen.append((cycle, agent))
                picked.add(pk)
    lessons = list(Lesson.objects.filter(course__title__in=PLAN_COURSES))
    last_day = quarters[-1].end
    for index, (cycle, agent) in enumerate(chosen):
        opened = cycle.end + timedelta(days=rng.randint(7, 20))
        due = opened + timedelta(days=rng.choice((60, 75, 90)))
        frt = _frt_means(cycle, [agent.pk]).get(agent.pk)
        score = qa[cycle.pk].get(agent.pk)
        plan = ImprovementPlan.objects.create(
            agent=agent, cycle=cycle, coach_id=supervisors[agent.team_id],
            title=rng.choice(("质检与首响提升计划", "服务规范改进计划", "首次响应提速计划")),
            opened_on=opened, due_on=due,
        )  # fmt: skip
        goals = [
            PlanGoal(
                plan=plan, source="qa.score", baseline=_round(score),
                target=float(min(98, round((score or 80) + 5))),
            )
        ]  # fmt: skip
        if frt is not None:  # lower is better: a fifth faster
            goals.append(
                PlanGoal(plan=plan, source="kpi.frt_mean_s", baseline=_round(frt),
                         target=_round(frt * 0.8))
            )  # fmt: skip
        checkins = []
        day = opened
        for n in range(rng.randint(2, 4)):
            day += timedelta(days=rng.randint(10, 16))
            if day > min(due, last_day):
                break
            checkins.append(
                PlanCheckin(plan=plan, on=day, coaching=n % 2 == 0, note=rng.choice(CHECKINS),
                            by_id=supervisors[agent.team_id])
            )  # fmt: skip
        PlanCheckin.objects.bulk_create(checkins)
        if lessons:
            plan.lessons.add(*rng.sample(lessons, min(2, len(lessons))))
        if due <= last_day:
            status = OUTCOMES[index % len(OUTCOMES)]
            for goal in goals:
                if goal.baseline is None:
                    continue
                if status == PlanStatus.SUCCEEDED:  # just past the target
                    goal.result = _round(goal.target + (goal.target - goal.baseline) * 0.05)
                else:
                    gain = 0.6 if status == PlanStatus.NOT_MET else 0.3
                    goal.result = _round(goal.baseline + (goal.target - goal.baseline) * gain)
            plan.status = status
            plan.outcome = {
                PlanStatus.SUCCEEDED: "目标达成：质检均分与首次响应均达到目标。",
                PlanStatus.NOT_MET: "部分改善，未达目标；下季度继续跟进。",
                PlanStatus.CANCELLED: "调岗至投诉处理组，计划取消。",
            }[status]
            plan.save(update_fields=["status", "outcome"])
        PlanGoal.objects.bulk_create(goals)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)
