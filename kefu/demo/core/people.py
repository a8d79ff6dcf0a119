"""Demo teams, agents and customers (pure Python, deterministic from a seed)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from kefu.demo.core.phrases import CITIES

# (pinyin, surname, weight): the commonest mainland surnames, roughly by frequency.
SURNAMES = [
    ("wang", "王", 72), ("li", "李", 72), ("zhang", "张", 69), ("liu", "刘", 54),
    ("chen", "陈", 45), ("yang", "杨", 31), ("huang", "黄", 24), ("zhao", "赵", 21),
    ("wu", "吴", 20), ("zhou", "周", 20), ("xu", "徐", 14), ("sun", "孙", 13),
    ("ma", "马", 12), ("zhu", "朱", 11), ("hu", "胡", 11), ("guo", "郭", 10),
    ("he", "何", 9), ("gao", "高", 9), ("lin", "林", 9), ("luo", "罗", 8),
    ("zheng", "郑", 8), ("liang", "梁", 7), ("xie", "谢", 6), ("song", "宋", 5),
    ("tang", "唐", 5), ("xu", "许", 5), ("han", "韩", 5), ("feng", "冯", 5),
    ("deng", "邓", 5), ("cao", "曹", 5), ("peng", "彭", 4), ("zeng", "曾", 4),
    ("xiao", "肖", 4), ("tian", "田", 4), ("dong", "董", 4), ("yuan", "袁", 4),
    ("pan", "潘", 4), ("yu", "于", 3), ("jiang", "蒋", 3), ("cai", "蔡", 3),
    ("yu", "余", 3), ("du", "杜", 3), ("ye", "叶", 3), ("cheng", "程", 3),
    ("su", "苏", 3), ("wei", "魏", 3), ("lv", "吕", 3), ("ding", "丁", 3),
    ("ren", "任", 3), ("shen", "沈", 3), ("yao", "姚", 2), ("lu", "卢", 2),
    ("jiang", "姜", 2), ("cui", "崔", 2), ("zhong", "钟", 2), ("tan", "谭", 2),
    ("lu", "陆", 2), ("wang", "汪", 2), ("fan", "范", 2), ("jin", "金", 2),
    ("shi", "石", 2), ("liao", "廖", 2), ("jia", "贾", 2), ("xia", "夏", 2),
    ("fang", "方", 2), ("bai", "白", 2), ("qin", "秦", 2), ("jiang", "江", 2),
]  # fmt: skip
GIVEN = [
    ("wei", "伟"), ("fang", "芳"), ("na", "娜"), ("min", "敏"), ("jing", "静"), ("li", "丽"),
    ("qiang", "强"), ("lei", "磊"), ("jun", "军"), ("yang", "洋"), ("yong", "勇"),
    ("yan", "艳"), ("jie", "杰"), ("juan", "娟"), ("tao", "涛"), ("ming", "明"),
    ("chao", "超"), ("xiu", "秀"), ("xia", "霞"), ("ping", "平"), ("gang", "刚"),
    ("ying", "英"), ("hua", "华"), ("ling", "玲"), ("hui", "辉"), ("peng", "鹏"),
    ("yu", "宇"), ("hao", "浩"), ("ting", "婷"), ("xue", "雪"), ("lin", "琳"),
    ("chen", "晨"), ("xin", "欣"), ("yi", "怡"), ("jia", "佳"), ("zi", "子"), ("han", "涵"),
    ("xuan", "轩"), ("bo", "博"), ("wen", "文"), ("si", "思"), ("yu", "雨"), ("xuan", "萱"),
    ("jia", "嘉"), ("rui", "瑞"), ("kai", "凯"), ("jian", "建"), ("guo", "国"),
    ("zhi", "志"), ("hai", "海"), ("hong", "红"), ("chun", "春"), ("xiao", "晓"),
    ("ying", "颖"), ("hui", "慧"), ("qian", "倩"), ("nan", "楠"), ("jun", "俊"),
    ("bin", "斌"), ("fan", "帆"), ("yang", "阳"), ("qi", "琪"), ("yue", "悦"), ("tong", "彤"),
    ("shi", "诗"), ("hao", "昊"), ("ran", "然"), ("ze", "泽"), ("tian", "天"), ("huan", "欢"),
    ("lei", "蕾"), ("liang", "亮"), ("fei", "飞"), ("xin", "鑫"), ("dan", "丹"),
    ("meng", "梦"), ("qing", "清"), ("yun", "云"), ("zhen", "振"), ("shu", "淑"),
]  # fmt: skip
_SURNAME_WEIGHTS = [w for _, _, w in SURNAMES]
MAIL_DOMAINS = ["qq.com", "163.com", "126.com", "sina.com", "foxmail.com", "gmail.com"]

# Teams: (name, size, queue, quality). Quality shifts every member's skill so that
# drill-down by team shows real differences (售后二组 best, 售后三组 and 电话客服二组 weaker).
TEAMS = [
    ("售前一组", 14, "presale", 0.25),
    ("售前二组", 13, "presale", -0.10),
    ("售后一组", 15, "aftersale", 0.0),
    ("售后二组", 14, "aftersale", 0.30),
    ("售后三组", 13, "aftersale", -0.35),
    ("投诉处理组", 10, "complaint", 0.15),
    ("技术支持组", 11, "tech", 0.10),
    ("电话客服一组", 12, "phone", 0.05),
    ("电话客服二组", 11, "phone", -0.25),
    ("邮件客服组", 9, "email", 0.0),
    ("专家组", 5, "expert", 0.60),
]
TIER_SKILL = {"new": -0.45, "regular": 0.0, "senior": 0.30, "lead": 0.40, "expert": 0.50}
# Hire-date ranges per tier; some new hires join during 2024 and only work from then on.
TIER_HIRED = {
    "lead": (date(2015, 3, 1), date(2019, 12, 31)),
    "expert": (date(2014, 3, 1), date(2018, 12, 31)),
    "senior": (date(2017, 1, 1), date(2021, 12, 31)),
    "regular": (date(2020, 6, 1), date(2023, 6, 30)),
    "new": (date(2023, 8, 1), date(2024, 6, 30)),
}
AGENT_COUNT = sum(size for _, size, _, _ in TEAMS)


@dataclass(slots=True)
class Agent:
    id: str
    name: str
    team: str
    queue: str
    tier: str
    hired_on: date
    supervisor: str | None
    skill: float  # ~N(0, 0.4): higher answers faster, keeps to the rules, resolves more
    speech_rate: float  # characters per second on the phone (> 5 is "too fast")
    nick: str
    workno: str

    def native(self) -> dict:
        record = {
            "type": "agent",
            "id": self.id,
            "name": self.name,
            "team": self.team,
            "tier": self.tier,
            "hired_on": self.hired_on.isoformat(),
        }
        if self.supervisor:
            record["supervisor"] = self.supervisor
        return record

    def skill_on(self, day: date) -> float:
        """New hires start weaker and catch up over their first months (learning curve)."""
        if self.tier != "new":
            return self.skill
        weeks = max(0, (day - self.hired_on).days) / 7
        return self.skill + 0.45 * (1 - 0.5 ** (weeks / 10))


def person_name(rng: random.Random) -> tuple[str, str]:
    """(Chinese name, pinyin) with a weighted surname and one or two given characters."""
    py, surname, _ = rng.choices(SURNAMES, weights=_SURNAME_WEIGHTS)[0]
    given = [rng.choice(GIVEN) for _ in range(1 if rng.random() < 0.35 else 2)]
    return surname + "".join(c for _, c in given), py + "".join(p for p, _ in given)


def _date_between(rng: random.Random, low: date, high: date) -> date:
    return low + timedelta(days=rng.randrange((high - low).days + 1))


def _tiers(rng: random.Random, size: int, queue: str) -> list[str]:
    if queue == "expert":
        return ["lead"] + ["expert"] * (size - 1)
    rest = size - 1
    senior = round(rest * 0.25)
    new = round(rest * 0.22)
    tiers = ["senior"] * senior + ["new"] * new + ["regular"] * (rest - senior - new)
    rng.shuffle(tiers)
    return ["lead", *tiers]


def make_agents(rng: random.Random) -> list[Agent]:
    """127 agents A0001…A0127, team by team; each team's lead comes first."""
    agents: list[Agent] = []
    used: set[str] = set()
    number = 0
    for team, size, queue, quality in TEAMS:
        lead_id = None
        for tier in _tiers(rng, size, queue):
            number += 1
            name, _ = person_name(rng)
            while name in used:
                name, _ = person_name(rng)
            used.add(name)
            agent_id = f"A{number:04d}"
            fast_talker = queue == "phone" and rng.random() < 0.12
            agents.append(
                Agent(
                    id=agent_id,
                    name=name,
                    team=team,
                    queue=queue,
                    tier=tier,
                    hired_on=_date_between(rng, *TIER_HIRED[tier]),
                    supervisor=lead_id,
                    skill=quality + TIER_SKILL[tier] + rng.gauss(0, 0.3),
                    speech_rate=rng.uniform(5.4, 6.3) if fast_talker else rng.uniform(3.4, 4.6),
                    nick="小" + name[0] if rng.random() < 0.6 else "小" + name[-1],
                    workno=f"{1000 + number}",
                )
            )
            if tier == "lead":
                lead_id = agent_id
    return agents


@dataclass(slots=True)
class Customer:
    index: int
    id: str
    name: str
    phone: str
    email: str | None
    segment: str
    sensitive: bool  # high-sensitivity customers complain and get angry more often
    channel: str  # the channel they prefer
    city: str

    def native(self) -> dict:
        record = {"id": self.id, "name": self.name, "phone": self.phone}
        if self.email:
            record["email"] = self.email
        record["segment"] = self.segment
        return record


SEGMENTS = (("regular", 55), ("new", 25), ("vip", 12), ("enterprise", 8))
# How likely a customer of each segment is to come back (vip and enterprise buy more).
RETURN_ACCEPT = {"vip": 1.0, "enterprise": 1.0, "regular": 0.45, "new": 0.2}


def make_customer(seed: int, index: int, channels: tuple, channel_weights: tuple) -> Customer:
    """Customer number `index`, always the same for a seed: customers are derived, not
    stored, so that a million conversations need no customer table in memory."""
    rng = random.Random(seed * 10_000_019 + index)
    name, py = person_name(rng)
    segment = rng.choices([s for s, _ in SEGMENTS], weights=[w for _, w in SEGMENTS])[0]
    phone = f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"
    email = None
    if segment == "enterprise":
        domain = ["huaxin-tech.com", "yunqi.cn", "zhilian.com.cn", "boyuan.cn"][index % 4]
        email = f"{py}@{domain}"
    elif rng.random() < 0.7:
        suffix = str(rng.randrange(10, 9999)) if rng.random() < 0.7 else ""
        email = f"{py}{suffix}@{rng.choice(MAIL_DOMAINS)}"
    return Customer(
        index=index,
        id=f"U{index + 1:07d}",
        name=name,
        phone=phone,
        email=email,
        segment=segment,
        sensitive=rng.random() < 0.15,
        channel=rng.choices(channels, weights=channel_weights)[0],
        city=rng.choice(CITIES),
    )
