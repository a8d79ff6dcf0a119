"""Demo catalogue (called by `kefu demo`; idempotent): the seeds' tracks (catalogue.py)
and the QA-driven courses the assignment rules point to, with lessons in Chinese; the
year's new hires have completed the new-hire track's lessons in their first week."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta
from typing import Any

from django.db import transaction

from kefu.accounts.models import Agent
from kefu.lib.localtime import configured_tz
from kefu.training.catalogue import ensure_tracks
from kefu.training.models import Area, Course, Lesson, LessonProgress

# key → (title, kind, area, hours, summary, [(lesson title, minutes, Markdown)])
QA_COURSES: dict[str, tuple[str, str, str, float, str, list[tuple[str, int, str]]]] = {
    "confirm_need": (
        "确认客户需求：先复述再解决",
        "qa_driven",
        "communication",
        1,
        "针对质检高频失误“未主动确认客户需求”：复述、提问、确认三步法。",
        [
            (
                "为什么要先确认需求",
                10,
                "质检数据显示，**未确认需求**的会话，重复来电率明显更高。\n\n"
                "客户说“退款怎么还没到”，可能是在问：\n\n- 进度\n- 到账渠道\n- 能否加急\n\n"
                "先确认，再回答。\n",
            ),
            (
                "复述—提问—确认",
                15,
                "1. **复述**：“您是说上周申请的退款还没有到账，对吗？”\n"
                "2. **提问**：“方便提供一下订单号吗？”\n"
                "3. **确认**：“我确认一下，您希望今天内知道到账时间，是吗？”\n\n"
                "| 不推荐 | 推荐 |\n|---|---|\n| 直接给出处理结果 | 先复述客户问题 |\n"
                "| “您说什么？” | “您的意思是……对吗？” |\n",
            ),
        ],
    ),
    "taboo": (
        "服务禁语与替代话术",
        "qa_driven",
        "communication",
        1,
        "“不知道”“没办法”“你自己看”……每一句禁语都有更好的说法。",
        [
            (
                "常见服务禁语",
                10,
                "以下说法一律禁止：\n\n- 不知道 / 不清楚\n- 没办法 / 我也没办法\n"
                "- 不归我管 / 找别的部门\n- 你自己看\n- 听不懂吗\n",
            ),
            (
                "替代话术练习",
                20,
                "| 禁语 | 替代话术 |\n|---|---|\n| 不知道 | 我帮您查一下，请稍等 |\n"
                "| 没办法 | 我们可以试试这样处理…… |\n| 不归我管 | 我来帮您联系相关同事，"
                "并在今天内回复您 |\n| 你自己看 | 我一步一步带您操作 |\n",
            ),
        ],
    ),
    "first_response": (
        "首次响应时效：30 秒内回应",
        "qa_driven",
        "basic",
        1,
        "首次响应超过 30 秒是客户不满的首要原因之一：快捷短语与多会话管理。",
        [
            (
                "30 秒标准",
                10,
                "客户发起会话后 **30 秒内**必须有第一句回应。\n\n"
                "来不及给答案时，先回应：“您好，我是客服小李，正在为您查询，请稍等。”\n",
            ),
            (
                "多会话并行技巧",
                15,
                "- 用快捷短语完成问候\n- 复杂问题先告知预计时间\n- 同时接待不超过 3 个会话\n",
            ),
        ],
    ),
    "soothing": (
        "情绪安抚：真诚而不机械",
        "qa_driven",
        "complaint",
        1,
        "避免重复“非常抱歉给您带来不便”：说出客户的感受，给出具体行动。",
        [
            (
                "机械安抚的代价",
                10,
                "同一句道歉重复三次，客户只会更生气。\n\n换成：“等了一周还没到账，换作是我"
                "也会着急，我现在就帮您催办。”\n",
            )
        ],
    ),
}


def _ensure_qa_courses() -> dict[str, Course]:
    areas = {a.code: a for a in Area.objects.all()}
    out = {}
    for key, (title, kind, area, hours, summary, lessons) in QA_COURSES.items():
        course, created = Course.objects.get_or_create(
            title=title,
            defaults={"kind": kind, "area": areas.get(area), "hours": hours, "summary": summary},
        )
        if created:
            Lesson.objects.bulk_create(
                Lesson(course=course, position=n, title=t, minutes=m, body=body)
                for n, (t, m, body) in enumerate(lessons, start=1)
            )
        out[key] = course
    return out


@transaction.atomic
def demo(seed: int = 42, *, year: int = 2024) -> dict[str, Any]:
    """The catalogue; new hires of `year` complete the new-hire track in their first
    week. Returns the courses by key (catalogue.COURSES and QA_COURSES keys)."""
    rng = random.Random(seed * 17 + 1)
    courses = dict(ensure_tracks())
    courses.update(_ensure_qa_courses())
    track_lessons = list(
        Lesson.objects.filter(
            course__in=[courses["basic"], courses["complaint"], courses["coordination"]]
        ).values_list("pk", flat=True)
    )
    tz = configured_tz()
    have = set(LessonProgress.objects.values_list("agent_id", "lesson_id"))
    rows = []
    new_hires = Agent.objects.filter(tier="new", hired_on__year=year).values_list("pk", "hired_on")
    for agent_id, hired_on in new_hires:
        for lesson_id in track_lessons:
            if (agent_id, lesson_id) in have:
                continue
            day = hired_on + timedelta(days=rng.randint(1, 7))
            at = datetime.combine(day, time(rng.randint(9, 17), rng.randint(0, 59)), tzinfo=tz)
            rows.append(LessonProgress(agent_id=agent_id, lesson_id=lesson_id, completed_at=at))
    LessonProgress.objects.bulk_create(rows, ignore_conflicts=True)
    return courses
