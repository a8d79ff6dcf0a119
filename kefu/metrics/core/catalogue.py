"""What each figure is to a reader: label, unit, which direction is better, and which
conversations stand behind it (for drill-down). Pure data, no Django."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Unit = Literal["count", "seconds", "minutes", "rate", "score5", "points"]


@dataclass(frozen=True, slots=True)
class Figure:
    key: str
    label_zh: str
    label_en: str
    unit: Unit
    higher_is_better: bool | None  # None: neither (volume)
    # Conditions on a conversation's statistics (kpis.STATS) that select the
    # conversations "behind" the figure: the ones that pull it away from its target.
    behind: dict[str, int] = field(default_factory=dict)
    behind_zh: str = ""
    behind_en: str = ""
    # A time stored in seconds that people read in minutes (handle and resolution times):
    # one unit for the figure on every page, whatever its size (formatting.format_value).
    shown_in_minutes: bool = False

    def label(self, language: str) -> str:
        return self.label_zh if language.startswith("zh") else self.label_en

    def behind_label(self, language: str) -> str:
        return self.behind_zh if language.startswith("zh") else self.behind_en

    def meets(self, value: float | None, target: float | None) -> bool | None:
        """Whether a value meets its target (None when either is missing or the figure
        has no better direction)."""
        if value is None or target is None or self.higher_is_better is None:
            return None
        return value >= target if self.higher_is_better else value <= target


def _f(*args, **kwargs) -> Figure:
    return Figure(*args, **kwargs)


_SLOW = dict(
    behind={"frt_over_30s": 1},
    behind_zh="首响超过 30 秒的会话",
    behind_en="Conversations with a first response over 30 s",
)
FIGURES: dict[str, Figure] = {
    f.key: f
    for f in (
        _f("conversations", "会话量", "Conversations", "count", None),
        _f("frt_mean_s", "平均首响时间", "Mean first response", "seconds", False, **_SLOW),
        _f("frt_median_s", "首响时间中位数", "Median first response", "seconds", False, **_SLOW),
        _f("frt_p90_s", "首响时间 P90", "First response P90", "seconds", False, **_SLOW),
        _f(
            "frt_over_30s_rate",
            "首响超 30 秒占比",
            "First responses over 30 s",
            "rate",
            False,
            **_SLOW,
        ),
        _f(
            "frt_over_target_rate",
            "首响超 SLA 目标占比",
            "First responses over their SLA target",
            "rate",
            False,
            behind={"frt_over_target": 1},
            behind_zh="首响超过所属渠道 SLA 目标的会话",
            behind_en="Conversations whose first response missed their channel's SLA target",
        ),
        _f(
            "response_rate",
            "在线响应率",
            "Response rate",
            "rate",
            True,
            behind={"with_customer": 1, "responded": 0},
            behind_zh="客户发言后无人工回复的会话",
            behind_en="Customer messages without an agent reply",
        ),
        _f("aht_s", "平均处理时长", "Average handle time", "seconds", False, shown_in_minutes=True),
        _f(
            "resolution_time_mean_s",
            "平均解决时长",
            "Mean resolution time",
            "seconds",
            False,
            shown_in_minutes=True,
            behind={"resolved": 1},
            behind_zh="已解决的会话",
            behind_en="Resolved conversations",
        ),
        _f(
            "repeat_contact_rate",
            "重复来电率",
            "Repeat contact rate",
            "rate",
            False,
            behind={"repeat_contacts": 1},
            behind_zh="7 天内客户再次来访的会话",
            behind_en="Customer came back within 7 days",
        ),
        _f(
            "fcr_rate",
            "一次解决率",
            "First contact resolution",
            "rate",
            True,
            behind={"resolved": 1, "first_contact_resolved": 0},
            behind_zh="未一次解决的会话（升级或 7 天内再次来访）",
            behind_en="Not resolved first time (escalated or customer came back)",
        ),
        _f(
            "csat_mean",
            "满意度均分",
            "CSAT mean",
            "score5",
            True,
            behind={"csat_n": 1, "csat_satisfied": 0},
            behind_zh="满意度 1–3 分的会话",
            behind_en="CSAT answers of 1–3",
        ),
        _f(
            "csat_satisfied_rate",
            "满意率",
            "CSAT satisfied",
            "rate",
            True,
            behind={"csat_n": 1, "csat_satisfied": 0},
            behind_zh="满意度 1–3 分的会话",
            behind_en="CSAT answers of 1–3",
        ),
        _f(
            "nps",
            "净推荐值 NPS",
            "NPS",
            "points",
            True,
            behind={"nps_detractors": 1},
            behind_zh="贬损者（0–6 分）的会话",
            behind_en="Detractors (0–6)",
        ),
        _f(
            "survey_response_rate",
            "评价参与率",
            "Survey response rate",
            "rate",
            True,
            behind={"surveyed": 0},
            behind_zh="未评价的会话",
            behind_en="Conversations without a survey answer",
        ),
        _f(
            "complaint_rate",
            "投诉率",
            "Complaint rate",
            "rate",
            False,
            behind={"complaints": 1},
            behind_zh="投诉会话",
            behind_en="Complaints",
        ),
        _f(
            "complaint_closed_72h_rate",
            "投诉 72 小时结案率",
            "Complaints closed in 72 h",
            "rate",
            True,
            behind={"complaints": 1, "complaints_closed_72h": 0},
            behind_zh="72 小时内未结案的投诉",
            behind_en="Complaints not closed within 72 h",
        ),
        _f(
            "escalation_rate",
            "升级率",
            "Escalation rate",
            "rate",
            False,
            behind={"escalated": 1},
            behind_zh="升级的会话",
            behind_en="Escalated conversations",
        ),
        _f(
            "escalation_mean_min",
            "平均升级耗时",
            "Mean escalation time",
            "minutes",
            False,
            behind={"escalated": 1},
            behind_zh="升级的会话",
            behind_en="Escalated conversations",
        ),
        _f(
            "conversion_rate",
            "询单转化率",
            "Inquiry conversion",
            "rate",
            True,
            behind={"orders": 1, "converted": 0},
            behind_zh="未转化的询单",
            behind_en="Inquiries that did not convert",
        ),
    )
}

# Figures benchmark sets may name that other parts of Kefu measure (QA compliance comes
# with automatic quality inspection); shown as "not measured" until then.
EXTERNAL_FIGURES: dict[str, Figure] = {
    f.key: f
    for f in (
        _f("qa_compliance_rate", "质检合规率", "QA compliance", "rate", True),
        _f("information_accuracy_rate", "信息准确率", "Information accuracy", "rate", True),
    )
}
ALL_FIGURES: dict[str, Figure] = FIGURES | EXTERNAL_FIGURES

# The seeds' department targets (mission C2): key → value.
DEFAULT_TARGETS: dict[str, float] = {
    "frt_mean_s": 30,
    "frt_over_30s_rate": 0.02,
    "fcr_rate": 0.85,
    "csat_satisfied_rate": 0.93,
    "nps": 58,
    "response_rate": 0.98,
}

# Industry benchmark sets (mission C2). "Resolution" is read as first contact resolution,
# the contract's resolution figure; "satisfaction" as the CSAT satisfied share.
DEFAULT_BENCHMARKS: dict[str, tuple[str, dict[str, float]]] = {
    "ecommerce": ("电商行业", {"frt_mean_s": 60, "fcr_rate": 0.90}),
    "finance": ("金融行业", {"qa_compliance_rate": 1.0, "complaint_rate": 0.005}),
    "healthcare": ("医疗行业", {"csat_satisfied_rate": 0.85, "information_accuracy_rate": 1.0}),
}

# The radar's axes, each scaled 0–1 with 1 = better (see radar_score).
RADAR_KEYS = (
    "frt_mean_s",
    "fcr_rate",
    "csat_satisfied_rate",
    "nps",
    "response_rate",
    "complaint_rate",
)


def radar_score(key: str, value: float | None) -> float | None:
    """Put figures of different units on one 0–1 'better outward' scale for a radar:
    rates as they are (inverted when lower is better), NPS from −100…100, times as
    60 s / (60 s + t) so 0 s → 1 and 60 s → 0.5."""
    if value is None:
        return None
    figure = ALL_FIGURES[key]
    if figure.unit == "rate":
        score = value if figure.higher_is_better else 1 - min(1.0, value * 10)
    elif figure.unit == "points":
        score = (value + 100) / 200
    elif figure.unit == "score5":
        score = (value - 1) / 4
    elif figure.unit in ("seconds", "minutes"):
        score = 60 / (60 + value)
    else:
        return None
    return max(0.0, min(1.0, score))
