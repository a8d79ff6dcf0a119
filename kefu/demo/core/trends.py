"""The demo year 2024: contact volume by day and hour, and month-by-month trends.

The monthly anchors are tuned so that the KPIs computed per the contract
(shared/spec/metrics.md) reproduce the seeds' figures: FRT 47 s → 29 s, FCR 61 % → 78 %,
NPS 32 → 52 by quarter, CSAT 4.1 → 4.4, conversion 18 % → 27 %, escalation time
217 → 89 min, complaints −34 %. `docs/demo-data.md` lists what each one drives.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

YEAR = 2024
FIRST_DAY = date(YEAR, 1, 1)
DAYS = [FIRST_DAY + timedelta(days=i) for i in range(366)]  # 2024 is a leap year


def _line(january: float, december: float) -> list[float]:
    return [january + (december - january) * m / 11 for m in range(12)]


# One value per month, read at mid-month and interpolated linearly in between.
MONTHLY: dict[str, list[float]] = {
    # chance that a chat/app first reply is slow (> 30 s) for an average agent
    "frt_slow": _line(0.205, 0.034),
    # e-mail first reply, mean minutes
    "email_frt_min": _line(11.0, 6.0),
    # chance that a contact brings the same customer back within 7 days
    "repeat": _line(0.355, 0.18),
    # chance that a non-complaint conversation is escalated
    "escalation": _line(0.028, 0.016),
    # mean escalation handling time, minutes (seeds: 217 → 89)
    "escalation_min": _line(217, 82),
    # complaint share before the agent and customer factors (seeds: −34 %)
    "complaint": _line(0.045, 0.03),
    # latent customer mood behind CSAT and NPS
    "mood": _line(0.0, 0.32),
    # pre-sale inquiry → paid order (seeds: 18.3 % → 26.7 %)
    "conversion": _line(0.195, 0.28),
    # multiplier on bad-service behaviour (automatic QA rolled out in the spring)
    "behaviour": [1.0, 1.0, 0.95, 0.88, 0.8, 0.74, 0.7, 0.66, 0.62, 0.6, 0.58, 0.55],
    # average order value (seeds: +23 %, measured quarter on quarter)
    "order_value": _line(1.0, 1.32),
}

_MID = [date(YEAR, m, 15).toordinal() for m in range(1, 13)]


def monthly(name: str, day: date) -> float:
    values = MONTHLY[name]
    x = day.toordinal()
    if x <= _MID[0]:
        return values[0]
    if x >= _MID[-1]:
        return values[-1]
    i = next(i for i in range(11) if _MID[i] <= x < _MID[i + 1])
    f = (x - _MID[i]) / (_MID[i + 1] - _MID[i])
    return values[i] + f * (values[i + 1] - values[i])


# --- volume ----------------------------------------------------------------------------

WEEKDAY = [1.08, 1.04, 1.0, 0.98, 0.96, 0.93, 0.95]  # Monday first: weekend orders land then
SPRING_FESTIVAL = date(2024, 2, 10)


def _bump(day: date, centre: date, height: float, width_days: float) -> float:
    d = (day - centre).days
    return height * math.exp(-0.5 * (d / width_days) ** 2)


def day_weight(day: date) -> float:
    """Relative contact volume: weekly rhythm, slow growth, shopping festivals, holidays."""
    w = WEEKDAY[day.weekday()] * (1 + 0.12 * (day - FIRST_DAY).days / 365)
    w += _bump(day, date(2024, 1, 18), 0.2, 6)  # 年货节
    w += _bump(day, date(2024, 3, 8), 0.25, 2)  # 女王节
    w += _bump(day, date(2024, 6, 18), 1.5, 3) + _bump(day, date(2024, 6, 10), 0.4, 8)  # 618
    w += _bump(day, date(2024, 11, 11), 2.6, 2.5) + _bump(day, date(2024, 11, 1), 0.5, 9)
    w += _bump(day, date(2024, 11, 17), 0.6, 5)  # after-sale wave after 双11
    w += _bump(day, date(2024, 12, 12), 0.6, 2)  # 双12
    if SPRING_FESTIVAL - timedelta(days=3) <= day <= SPRING_FESTIVAL + timedelta(days=7):
        w *= 0.55  # couriers and shoppers rest over 春节
    if date(2024, 10, 1) <= day <= date(2024, 10, 7):
        w *= 0.85  # 国庆
    return w


_MEAN_WEIGHT = sum(day_weight(d) for d in DAYS) / len(DAYS)


def load(day: date) -> float:
    """Volume relative to an average day (peaks strain the team)."""
    return day_weight(day) / _MEAN_WEIGHT


# Arrivals per hour of the day: a morning and a bigger evening peak (e-commerce).
HOUR_WEIGHTS = [0.6, 0.35, 0.2, 0.12, 0.1, 0.12, 0.3, 0.8, 1.6, 2.4, 2.8, 2.7,
                2.0, 2.3, 2.6, 2.6, 2.4, 2.2, 2.0, 2.4, 2.9, 3.0, 2.5, 1.4]  # fmt: skip
PHONE_HOURS = range(8, 22)  # the call centre is open 08:00–22:00


@dataclass(frozen=True)
class DemoProject:
    """An improvement project of the demo year and what it does to the data: from the day
    after `end`, the problem's contacts are `contacts` × and, of those, complaints
    `complaints` × as likely as before (kefu demo stores the project; its before/after
    panel then measures what was put here)."""

    key: str  # the scenario (kefu/demo/data/phrases.yaml)
    problem: str
    root_cause: str
    title: str
    note: str
    start: date
    end: date
    contacts: float
    complaints: float
    actions: tuple[tuple[str, date], ...] = ()


DEMO_PROJECTS = (
    DemoProject(
        "refund_slow",
        "退款到账慢",
        "流程冗余",
        "退款审核流程精简",
        "取消退款的人工二次复核，审核通过即原路退回；退款进度主动短信通知",
        start=date(2024, 6, 24),
        end=date(2024, 7, 12),
        contacts=0.45,
        complaints=0.42,
        actions=(
            ("梳理退款审批节点，确认可取消的复核环节", date(2024, 6, 28)),
            ("财务系统上线自动原路退款", date(2024, 7, 8)),
            ("退款进度短信通知上线", date(2024, 7, 12)),
        ),
    ),
    DemoProject(
        "invoice",
        "发票问题",
        "流程冗余",
        "电子发票自助开具",
        "订单页增加自助开票与改抬头入口",
        start=date(2024, 9, 9),
        end=date(2024, 9, 27),
        contacts=0.9,
        complaints=0.95,
        actions=(("订单页自助开票入口上线", date(2024, 9, 27)),),
    ),
)


def project_effect(key: str, day: date) -> tuple[float, float]:
    """(contacts, complaints) factors of the demo projects on a scenario that day."""
    contacts = complaints = 1.0
    for project in DEMO_PROJECTS:
        if project.key == key and day > project.end:
            contacts *= project.contacts
            complaints *= project.complaints
    return contacts, complaints


def scenario_boost(key: str, day: date) -> float:
    """Seasonal scenario mix: pre-sale questions before festivals, logistics and
    refund trouble after them and around the Spring Festival courier break."""
    boost = 1.0
    for peak in (date(2024, 6, 18), date(2024, 11, 11)):
        d = (day - peak).days
        if key == "presale" and -20 <= d <= 0:
            boost *= 1.6
        if key in ("logistics_delay", "refund_slow", "return_exchange") and 1 <= d <= 14:
            boost *= 1.8
    if key == "logistics_delay" and abs((day - SPRING_FESTIVAL).days) <= 10:
        boost *= 2.0
    return boost * project_effect(key, day)[0]
