"""Demo improvement actions: the interventions behind the demo year's trends, so the
trend charts show their markers (mission C12: "marked interventions")."""

from __future__ import annotations

from datetime import date

from kefu.accounts.models import Team
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
