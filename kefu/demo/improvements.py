"""Demo improvement actions: the interventions behind the demo year's trends, so the
trend charts show their markers (mission C12: "marked interventions")."""

from __future__ import annotations

from datetime import date
from typing import Any

from kefu.accounts.models import Team
from kefu.demo.core.trends import DEMO_PROJECTS
from kefu.metrics.models import ImprovementAction

# (date, title, note, team name or None for the department); dates sit just before the
# demo data's steps in NPS, FCR and escalation time (kefu/demo/core/trends.py).
DEMO_ACTIONS = (
    (
        date(2024, 3, 25),
        "上线全量智能质检",
        "100% 会话自动质检，服务禁语与未确认需求实时提醒",
        None,
    ),
    (
        date(2024, 5, 20),
        "618 前同理心表达专项培训",
        "情景演练 + 话术考核，覆盖全部售前、售后客服",
        None,
    ),
    (
        date(2024, 7, 15),
        "投诉升级改为三级响应",
        "一线 → 主管 → 专家，跨部门工单 4 小时内响应",
        "投诉处理组",
    ),
    (date(2024, 9, 1), "知识库重构与一键推荐", "高频问题答案随会话推荐，减少重复来电", None),
)


def ensure_demo_improvements() -> int:
    """Create the demo actions that are missing (idempotent); returns how many exist."""
    teams = dict(Team.objects.values_list("name", "pk"))
    for on, title, note, team in DEMO_ACTIONS:
        ImprovementAction.objects.get_or_create(
            on=on,
            title=title,
            defaults={"note": note, "team_id": teams.get(team) if team else None},
        )
    return ImprovementAction.objects.count()


def seed_improvement() -> dict[str, Any]:
    """Complaint root cause on the demo data: a classifier trained on the complaints'
    wrap-up codes labels them (low-confidence ones to review), and the demo year's
    improvement projects (trends.DEMO_PROJECTS: what the generator changed after each one
    ended) are stored, owned by the QA specialist, so their before/after panels measure the
    effect the data carries. Idempotent: projects by title, a classifier only when none."""
    from django.contrib.auth import get_user_model

    from kefu.improvement import actions, selectors
    from kefu.improvement.choices import Level, ProjectStatus
    from kefu.improvement.models import ClassifierModel, Project, TaxonomyNode
    from kefu.lib.errors import Invalid

    actions.ensure_defaults()
    out: dict[str, Any] = {"classified": 0, "report": None, "projects": 0}
    if not ClassifierModel.objects.filter(active=True).exists():
        try:
            row = actions.train_classifier()
        except Invalid:  # too small a demo to learn from
            return out
        out["report"] = row.report
    out["classified"] = actions.classify()
    owner = get_user_model().objects.filter(username="qa").first()
    version = selectors.current_version()
    if owner is None or version is None:
        return out
    for spec in DEMO_PROJECTS:
        if Project.objects.filter(title=spec.title).exists():
            continue
        cause = TaxonomyNode.objects.filter(
            version=version, level=Level.CAUSE, parent__name=spec.problem, name=spec.root_cause
        ).first()
        project = actions.create_project(
            {
                "title": spec.title,
                "problem": spec.problem,
                "root_cause": cause,
                "status": ProjectStatus.DONE,
                "start": spec.start,
                "end": spec.end,
                "note": spec.note,
                "owner": owner,
            },
            user=owner,
        )
        for text, on in spec.actions:
            action = actions.add_project_action(project, text, due=on, owner=owner, user=owner)
            actions.mark_action_done(action, on=on, user=owner)
    out["projects"] = Project.objects.count()
    out["analyses"] = _seed_analyses(owner, version)
    return out


def _seed_analyses(owner, version) -> int:
    """The analyses behind the refund project (a 5-Why, a fishbone, the case
    retrospective), each linked to three of the problem's complaints before the project."""
    from kefu.improvement import actions_analysis as analyses
    from kefu.improvement.choices import Level
    from kefu.improvement.models import (
        Classification,
        Fishbone,
        FiveWhy,
        Retrospective,
        TaxonomyNode,
    )

    if FiveWhy.objects.exists() or Fishbone.objects.exists() or Retrospective.objects.exists():
        return FiveWhy.objects.count() + Fishbone.objects.count() + Retrospective.objects.count()
    refund = DEMO_PROJECTS[0]
    cause = TaxonomyNode.objects.filter(
        version=version, level=Level.CAUSE, parent__name=refund.problem, name=refund.root_cause
    ).first()
    linked = list(
        Classification.objects.filter(
            problem=refund.problem, complaint=True, created_at__date__lt=refund.start
        )
        .order_by("-created_at")
        .values_list("conversation__external_id", flat=True)[:3]
    )
    common = {"problem": refund.problem, "root_cause": cause, "conversations": linked}
    analyses.save_five_why(
        common
        | {
            "title": "退款到账慢：为什么客户要等一周？",
            "whys": [
                "客户申请退款后 5–7 天才到账，反复来电催问",
                "退款审核通过后还要等财务人工二次复核",
                "二次复核每天只批量处理一次，且遇周末顺延",
                "复核环节是早年防范重复退款设立的，系统上线校验后没有取消",
                "流程变更没有定期复盘，冗余环节无人负责清理",
            ],
        },
        user=owner,
    )
    analyses.save_fishbone(
        common
        | {
            "title": "退款到账慢 鱼骨图",
            "causes": {
                "people": ["一线无法查看退款进度，只能安抚", "财务复核人手不足"],
                "system": ["退款状态不推送给客户", "财务系统与订单系统每日同步一次"],
                "product": ["部分银行卡退款通道 T+3"],
                "process": ["审核通过后人工二次复核", "周末不处理复核"],
                "environment": ["大促后退款集中"],
                "measurement": ["没有统计退款申请到到账的时长"],
            },
        },
        user=owner,
    )
    analyses.save_retrospective(
        common
        | {
            "title": "2024 年 6 月退款催问复盘",
            "background": "618 大促后退款申请集中，退款到账慢的投诉占售后投诉三成以上。",
            "description": (
                "退款审核通过后仍需财务人工二次复核，平均到账 5.8 天；客户多次来电催问并投诉。"
            ),
            "handling": "取消二次复核，审核通过即原路退回；上线退款进度短信；一线可查看退款节点。",
            "result": (
                "项目结束后 90 天，退款到账慢的投诉每千会话下降约八成，"
                "重复投诉同步下降（见项目的前后对比）。"
            ),
        },
        user=owner,
    )
    return 3
