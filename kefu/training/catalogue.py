"""The seeds' training plan as data: three tracks and the courses they name (idempotent).

- New hires (tier `new`): "7 天速赢 + 30 天通关" — 基础咨询 40 %, 投诉处理 30 %,
  跨部门协调 30 %: the first week's quick wins, the pass exam on day 30.
- Seniors (tier `senior`): "能力补位 + 项目实战" — closing capability gaps, then leading an
  improvement project across departments.
- Everyone (no tier): "周训 + 月考 + 季认证" — the weekly case review (Wednesdays, 1 h),
  the monthly QA-driven training and the quarterly certification.

`ensure_tracks(apps)` creates what is missing and changes nothing that exists (a trainer
may have edited it). Migration 0003 calls it with the historical models; `kefu demo`
calls it too.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps as global_apps

AREAS = {
    "basic": ("基础咨询", "knowledge"),
    "complaint": ("投诉处理", "knowledge"),
    "coordination": ("跨部门协调", "knowledge"),
    "communication": ("沟通技巧", "communication"),
    "analysis": ("问题分析", "problem"),
}

# (title, kind, area, hours, summary, [(lesson title, minutes, body)])
COURSES: dict[str, tuple[str, str, str, float, str, list[tuple[str, int, str]]]] = {
    "basic": (
        "基础咨询：高频问题与标准答复",
        "course",
        "basic",
        8,
        "新人第一周的速赢模块：订单、物流、退款等高频咨询的标准答复与系统操作。",
        [
            (
                "开场、确认需求与结束语",
                20,
                "## 三步开场\n\n1. 问候并自报工号：**“您好，我是客服小李，很高兴为您服务。”**\n"
                "2. 复述客户的问题，确认需求：“请问您是想查询订单的退款进度吗？”\n"
                "3. 给出下一步：“我这就帮您查询，请稍等。”\n\n"
                "## 结束语\n\n- 主动询问：“还有其他可以帮您的吗？”\n- 致谢并道别。\n",
            ),
            (
                "高频问题答复库",
                40,
                "| 问题 | 标准答复要点 |\n|---|---|\n| 物流延迟 | 查询物流节点、告知预计时间、"
                "主动跟进 |\n| 退款到账慢 | 说明审核时效（24 小时内）与到账渠道 |\n"
                "| 功能误解 | 分步骤引导，同步发送文字说明 |\n",
            ),
        ],
    ),
    "complaint": (
        "投诉处理：安抚、方案与升级",
        "course",
        "complaint",
        6,
        "先处理情绪再处理问题：共情表达、补偿方案与升级时机。",
        [
            (
                "先处理情绪：共情而不机械",
                25,
                "客户情绪激动时，避免重复同一句“非常抱歉给您带来不便”。\n\n"
                "- 说出客户的感受：“等了一周还没到账，换作是我也会着急。”\n"
                "- 给出具体行动和时间，而不是泛泛的保证。\n",
            ),
            (
                "方案与升级",
                25,
                "1. 在权限内给出方案（补发、优惠券、加急处理）。\n"
                "2. 超出权限时说明原因并**主动升级**，告知客户回复时间。\n"
                "3. 72 小时内回访闭环。\n",
            ),
        ],
    ),
    "coordination": (
        "跨部门协调：推动问题解决",
        "course",
        "coordination",
        6,
        "不推诿：把客户的问题带到技术、物流、财务等部门并跟进到底。",
        [
            (
                "问题描述与工单升级",
                30,
                "写清楚**现象、影响范围、复现步骤、客户诉求**，附上会话编号。\n\n"
                "对客户说“我来跟进”，而不是“这不归我们管”。\n",
            ),
            (
                "跨部门协作模拟",
                30,
                "情景：客户反映 APP 支付后订单未生成。\n\n请写出给技术部的工单，并给客户一个"
                "包含时间承诺的答复。\n",
            ),
        ],
    ),
    "pass": (
        "30 天通关考核",
        "certification",
        "basic",
        2,
        "入职第 30 天：业务知识闭卷考试与跨部门协作模拟，85 分通过。",
        [("考核说明", 10, "闭卷考试 + 跨部门协作模拟；及格线 85 分，未通过者一周后补考。\n")],
    ),
    "capability": (
        "能力补位：从解决问题到推动改进",
        "course",
        "analysis",
        6,
        "资深员工：根因分析、数据说话、推动流程改进。",
        [
            (
                "根因分析",
                30,
                "投诉问题三级分类：场景 → 具体问题 → 根因（系统缺陷、流程冗余、培训缺失）。\n",
            )
        ],
    ),
    "project": (
        "项目实战：服务问题攻坚小组",
        "project",
        "coordination",
        12,
        "每月选取一个高频投诉场景，由骨干牵头跨部门调研并推动改进。",
        [
            (
                "项目方法",
                30,
                "1. 选题：高频、可改进。\n2. 调研：会话数据 + 相关部门访谈。\n"
                "3. 方案与试点。\n4. 复盘：问题发生率的变化。\n",
            )
        ],
    ),
    "case_review": (
        "每周场景复盘会",
        "case_review",
        "communication",
        1,
        "每周三 1 小时：团队成员轮流分享疑难案例，总结应对技巧。",
        [("复盘模板", 10, "- 案例背景\n- 当时的处理\n- 更好的做法\n- 可复用的话术\n")],
    ),
    "qa_driven": (
        "月度质检专项培训",
        "qa_driven",
        "communication",
        2,
        "每月由 AI 质检抽取高频失误点（如未主动确认客户需求、安抚话术机械）开展专项培训。",
        [("本月高频失误点", 20, "由培训师根据上月质检结果更新。\n")],
    ),
    "certification": (
        "季度服务认证",
        "certification",
        "basic",
        3,
        "业务知识 40 %、沟通技巧 30 %、问题分析 30 %；未通过者进入能力提升班。",
        [("认证说明", 10, "认证总分 = 知识 × 40 % + 沟通 × 30 % + 问题分析 × 30 %。\n")],
    ),
}

# (name, tier, description, [(course key, position, due day, weight %, recurrence)])
TRACKS: list[tuple[str, str, str, list[tuple[str, int, int | None, int, str]]]] = [
    (
        "新人：7 天速赢 + 30 天通关",
        "new",
        "前 7 天掌握三大模块（基础咨询 40 %、投诉处理 30 %、跨部门协调 30 %），第 30 天通关考核。",
        [
            ("basic", 1, 7, 40, ""),
            ("complaint", 2, 7, 30, ""),
            ("coordination", 3, 7, 30, ""),
            ("pass", 4, 30, 0, ""),
        ],
    ),
    (
        "骨干：能力补位 + 项目实战",
        "senior",
        "资深员工补齐推动改进的能力，并每月牵头一个服务问题攻坚项目。",
        [("capability", 1, 30, 0, ""), ("project", 2, None, 0, "monthly")],
    ),
    (
        "全员：周训 + 月考 + 季认证",
        "",
        "每周场景复盘会、每月质检专项培训、每季度服务认证。",
        [
            ("case_review", 1, None, 0, "weekly"),
            ("qa_driven", 2, None, 0, "monthly"),
            ("certification", 3, None, 0, "quarterly"),
        ],
    ),
]


def ensure_tracks(apps: Any = global_apps) -> dict[str, Any]:
    """Create the seeds' courses (with their lessons) and tracks that are missing; return
    the courses by key. Courses are found by title, tracks by name."""
    Area = apps.get_model("training", "Area")
    Course = apps.get_model("training", "Course")
    Lesson = apps.get_model("training", "Lesson")
    Track = apps.get_model("training", "Track")
    TrackItem = apps.get_model("training", "TrackItem")
    areas = {}
    for code, (name, component) in AREAS.items():
        areas[code] = Area.objects.get_or_create(
            code=code, defaults={"name": name, "component": component}
        )[0]
    courses = {}
    for key, (title, kind, area, hours, summary, lessons) in COURSES.items():
        course, created = Course.objects.get_or_create(
            title=title,
            defaults={"kind": kind, "area": areas[area], "hours": hours, "summary": summary},
        )
        if created:
            Lesson.objects.bulk_create(
                Lesson(course=course, position=n, title=t, minutes=m, body=body)
                for n, (t, m, body) in enumerate(lessons, start=1)
            )
        courses[key] = course
    for name, tier, description, items in TRACKS:
        track, created = Track.objects.get_or_create(
            name=name, defaults={"tier": tier, "description": description}
        )
        if created:
            TrackItem.objects.bulk_create(
                TrackItem(
                    track=track,
                    course=courses[key],
                    position=position,
                    due_day=due_day,
                    weight_percent=weight,
                    recurrence=recurrence,
                )
                for key, position, due_day, weight, recurrence in items
            )
    return courses
