"""Demo data of the fairness area (called by `kefu demo` with the year's cycles, after the
reviews are computed; does nothing twice):

- the reserve team-lead pool over the year: 12 promoted and 7 withdrawn of the entries
  that left it (conversion 12 ÷ 19 = 63.2 %, the seeds) and 72 in the reserve now (the
  seeds), drawn from the certified agents first, then by their latest score;
- a few calibration adjustments per quarterly cycle, with the meeting's reasons.
"""

from __future__ import annotations

import random
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction

from kefu.accounts.choices import Tier
from kefu.accounts.models import Agent
from kefu.accounts.roles import MANAGE_PERFORMANCE
from kefu.performance.choices import CycleKind, PoolStatus
from kefu.performance.core import promotion
from kefu.performance.models import AgentScore, CalibrationAdjustment, Cycle, PoolEntry
from kefu.training.selectors.certification import certified_agents

RESERVE, PROMOTED, WITHDRAWN = 72, 12, 7  # the seeds: 72 in the pool, 12 / 19 = 63.2 %
ADJUSTMENTS_PER_QUARTER = 4
REASONS = (
    ("+", "神秘客户抽检样本仅 2 通，且均为系统故障时段，校准会一致同意上调。"),
    ("+", "本季度承接大促夜班支援，处理量高于团队均值 30%，效率指标受复杂工单影响。"),
    ("-", "复核发现两通高分会话存在未按流程核实身份的问题，质检漏判，校准会同意下调。"),
    ("+", "满意度调查仅 6 份，区间过宽；结合主管行为评分与会话证据，上调至团队中位水平。"),
    ("-", "跨部门投诉一件已查实为本人承诺未兑现，计算时尚未结案，校准会同意下调。"),
    ("+", "试点新知识库期间的首响时间受工具切换影响，经数据核对后剔除该周影响。"),
)
PROMOTED_NOTES = ("任售后二组组长", "任售前一组组长", "任夜班组长", "任质检组长助理")
WITHDRAWN_NOTES = ("本人申请暂缓，专注专家序列发展", "调岗至运营支持", "离职")


def demo(seed: int, cycles: list[Cycle]) -> None:
    """The reserve pool of the year and the calibration adjustments of its quarters."""
    rng = random.Random(seed)
    ordered = sorted(cycles, key=lambda c: c.start)
    if not ordered:
        return
    with transaction.atomic():
        _pool(rng, ordered)
        _adjustments(rng, [c for c in ordered if c.kind == CycleKind.QUARTER])


def _manager():
    """The first performance manager (the adjustments' and entries' author)."""
    return (
        get_user_model()
        .objects.with_perm(
            MANAGE_PERFORMANCE,
            include_superusers=False,
            backend="django.contrib.auth.backends.ModelBackend",
        )
        .order_by("pk")
        .first()
    )


def _pool(rng: random.Random, cycles: list[Cycle]) -> None:
    if PoolEntry.objects.exists():
        return
    start, end = cycles[0].start, cycles[-1].end
    latest = {
        s.agent_id: s.final_score or 0.0
        for s in AgentScore.objects.filter(cycle=cycles[-1]).only(
            "agent_id", "score", "calibrated_score"
        )
    }
    certified = set(certified_agents().values_list("pk", flat=True))
    agents = list(Agent.objects.exclude(tier=Tier.LEAD).order_by("external_id"))
    # the certified first, then the best latest scores (ties: a seeded shuffle)
    rng.shuffle(agents)
    agents.sort(key=lambda a: (a.pk not in certified, -latest.get(a.pk, 0.0)))
    by = _manager()
    days = max(1, (end - start).days)
    entries = []
    # promoted and reserve from the top (certified: 12 + 72 within the seeds' 89), the
    # withdrawn after them; short of agents, a withdrawn agent may be back in the reserve
    promoted = agents[:PROMOTED]
    reserve = agents[PROMOTED : PROMOTED + RESERVE]
    withdrawn = agents[PROMOTED + RESERVE : PROMOTED + RESERVE + WITHDRAWN]
    if len(withdrawn) < WITHDRAWN:
        withdrawn += reserve[len(reserve) - (WITHDRAWN - len(withdrawn)) :]
    for i, agent in enumerate(promoted):
        added = start + timedelta(days=rng.randrange(0, max(1, days // 2)))
        entries.append(
            PoolEntry(
                agent=agent,
                added_on=added,
                added_by=by,
                status=PoolStatus.PROMOTED,
                promoted_on=min(end, added + timedelta(days=rng.randrange(60, 150))),
                note=PROMOTED_NOTES[i % len(PROMOTED_NOTES)],
            )
        )
    for i, agent in enumerate(withdrawn):
        entries.append(
            PoolEntry(
                agent=agent,
                added_on=start + timedelta(days=rng.randrange(0, max(1, days // 2))),
                added_by=by,
                status=PoolStatus.WITHDRAWN,
                note=WITHDRAWN_NOTES[i % len(WITHDRAWN_NOTES)],
            )
        )
    for agent in reserve:
        entries.append(
            PoolEntry(
                agent=agent,
                added_on=start + timedelta(days=rng.randrange(days // 3, days)),
                added_by=by,
                status=PoolStatus.RESERVE,
            )
        )
    PoolEntry.objects.bulk_create(entries)


def _adjustments(rng: random.Random, quarters: list[Cycle]) -> None:
    by = _manager()
    for cycle in quarters:
        if CalibrationAdjustment.objects.filter(score__cycle=cycle).exists():
            continue
        scores = list(
            AgentScore.objects.filter(
                cycle=cycle, score__isnull=False, calibrated_score=None
            ).order_by("agent__external_id")
        )
        for score in rng.sample(scores, min(ADJUSTMENTS_PER_QUARTER, len(scores))):
            sign, reason = REASONS[rng.randrange(len(REASONS))]
            step = rng.choice((2.0, 2.5, 3.0, 4.0, 5.0))
            before = score.score or 0.0
            after = round(min(100.0, max(0.0, before + (step if sign == "+" else -step))), 1)
            CalibrationAdjustment.objects.create(
                score=score, before=before, after=after, reason=reason, by=by
            )
            score.calibrated_score = after
            score.save(update_fields=["calibrated_score"])


def figures() -> dict[str, object]:
    """What the demo made (the seeds: 72 in the reserve pool, 63.2 % converted)."""
    promoted = PoolEntry.objects.filter(status=PoolStatus.PROMOTED).count()
    withdrawn = PoolEntry.objects.filter(status=PoolStatus.WITHDRAWN).count()
    return {
        "reserve": PoolEntry.objects.filter(status=PoolStatus.RESERVE).count(),
        "promoted": promoted,
        "withdrawn": withdrawn,
        "conversion": promotion.conversion(promoted, withdrawn),
        "adjustments": CalibrationAdjustment.objects.count(),
        "certified": certified_agents().count(),
    }
