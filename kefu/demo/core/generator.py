"""Deterministic, realistic Chinese demo data in the native interaction format.

Pure Python (no Django): `generate(seed, size)` yields native records, agents first,
then conversations in `created_at` order over the calendar year 2024. The same seed
always gives the same records (one `random.Random(seed)`, no clock), and memory does
not grow with the size: the year is walked day by day, customers are derived from their
number instead of being stored, and only the repeat contacts due in the next days are
held (a heap). See docs/demo-data.md for what the data contains and why.
"""

from __future__ import annotations

import heapq
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from itertools import accumulate
from typing import Any

from kefu.demo.core import phrases as P
from kefu.demo.core.people import RETURN_ACCEPT, Agent, Customer, make_agents, make_customer
from kefu.demo.core.trends import (
    DAYS,
    HOUR_WEIGHTS,
    PHONE_HOURS,
    day_weight,
    load,
    monthly,
    project_effect,
    scenario_boost,
)
from kefu.demo.core.wording import Wording

SIZES = {"tiny": 200, "small": 2_000, "default": 30_000, "large": 1_000_000}
# Asia/Shanghai has had no daylight saving since 1991: a fixed +08:00 offset is exact
# and keeps this module free of tz databases.
TZ = timezone(timedelta(hours=8))
CHANNELS = ("chat", "app", "phone", "email")
CHANNEL_WEIGHTS = (60, 15, 21, 4)
# Share of contacts from an earlier customer coming back (beside the 7-day repeat
# contacts, which the repeat trend drives); together about 40 % are returning customers.
RETURNING_SHARE = 0.30
PRIOR_CUSTOMERS = 0.25  # customers from before 2024, per conversation of the year
# Extra question-and-answer rounds per conversation: this sets the average length
# (about 12 messages over all channels).
QA_ROUNDS, QA_ROUND_WEIGHTS = (0, 1, 2, 3, 4), (15, 25, 30, 20, 10)

# Bad-service behaviour: chance per conversation for an average agent in January. The
# monthly "behaviour" trend and the agent's skill scale them (see _behaviours).
AGENT_BEHAVIOUR = {
    "missing_greeting": 0.12,
    "no_confirmation": 0.28,
    "taboo": 0.025,
    "shirking": 0.012,
    "overpromise": 0.012,
    "perfunctory": 0.006,
    "mechanical_soothing": 0.015,
    "slow_reply": 0.08,
    "missing_closing": 0.09,
    "agent_pii": 0.004,
    "asks_secret": 0.003,
}
PHONE_BEHAVIOUR = {"long_silence": 0.10, "interrupt": 0.05}
# Lapses cluster: an agent rushing a conversation skips the greeting, the confirmation
# and the closing together. A careless conversation (chance CARELESS × the agent's
# badness) gets every lapse CARELESS_BOOST times as often, the others less, so each
# lapse's overall rate (and the KPIs it moves) stays as above while the conversations
# that fail QA fail for several reasons, as in real inspections (compliance 85 % → 94 %).
CARELESS = 0.35
CARELESS_BOOST = 3.5
CUSTOMER_BEHAVIOUR = {"customer_pii": 0.045, "repeat_question": 0.03, "angry": 0.06}
# Bad experiences leave a grudge (customers remember): each complaint, angry contact or
# low rating (CSAT ≤ 2, NPS ≤ 6) of a customer in the last GRUDGE_DAYS makes their next
# contact GRUDGE_STEP × more likely to be a complaint and to be angry (at most
# GRUDGE_CAP of them count), and a returning customer with a grudge comes back
# GRUDGE_RETURN × as readily. With the 15 % high-sensitivity trait (people.py) this is
# what makes a customer's history foretell their next complaint, as the risk index
# assumes (kefu/customers, docs/customers.md); COMPLAINT_NORM keeps the year's
# complaint rate where it was without it.
GRUDGE_DAYS = 120
GRUDGE_STEP = 0.8
GRUDGE_CAP = 3
GRUDGE_RETURN = 2.0
COMPLAINT_NORM = 0.84
# Routing by risk (kefu/assignment) is switched on during the demo year: from
# ROUTING_FROM, chat and app contacts of customers with a grudge (the recent complaint,
# anger or low rating the risk index reads) go to a senior agent of the queue. Seniors
# calm such customers: with one, a contact is SENIOR_CALM × as likely to become a
# complaint or an escalation. That holds before the switch too (whenever chance put the
# customer with a senior), so the effect report measures the routing, not a planted date.
ROUTING_FROM = datetime(2024, 9, 1, tzinfo=TZ)
SENIOR_CALM = 0.6
NO_REPLY = 0.0018  # chat/app contacts no agent ever answers (online response rate 99.8 %)
ABANDON = 0.012  # customers who give up before the problem is solved
EMAIL_BEHAVIOUR = {"missing_greeting", "taboo", "missing_closing", "angry", "customer_pii",
                   "abandoned"}  # fmt: skip

# Penalties on the latent satisfaction behind CSAT and NPS.
MOOD_PENALTY = {
    "complaint": 1.3, "angry": 0.7, "taboo": 1.0, "shirking": 0.6, "repeat_question": 0.5,
    "slow_first_reply": 0.3, "slow_reply": 0.25, "missing_greeting": 0.15,
    "no_confirmation": 0.15, "mechanical_soothing": 0.4, "perfunctory": 0.5,
    "abandoned": 1.5, "no_reply": 1.5, "escalation": 0.2, "transfer": 0.15, "repeat_contact": 0.3,
    "asks_secret": 0.3, "overpromise": 0.1,
}  # fmt: skip
# Latent thresholds: CSAT 2..5 and NPS 1..10 (an answer is the count of thresholds passed).
CSAT_CUTS = (-3.25, -2.55, -1.95, 0.17)
NPS_CUTS = (-3.98, -3.58, -3.18, -2.78, -2.38, -1.98, -1.53, -0.92, -0.3, 0.48)


def size_count(size: str) -> int:
    """Conversations for a size name (tiny, small, default, large) or a plain number."""
    if size in SIZES:
        return SIZES[size]
    if size.isdigit():
        return int(size)
    raise ValueError(f"unknown size {size!r}: use {', '.join(SIZES)} or a number")


def generate(
    seed: int,
    size: str = "default",
    *,
    conversations: int | None = None,
    labels: bool = False,
    varied: bool = True,
) -> Iterator[dict]:
    """Native records: 127 agents, then about `size` conversations in created_at order.

    `conversations` overrides the size's count. `labels=True` adds a `demo_labels` list
    to each conversation naming the behaviours written into it (ground truth for QA
    tests); it does not change anything else. `varied=False` leaves the customers'
    messages as the templates write them (wording.py); nothing else changes either.
    """
    total = conversations if conversations is not None else size_count(size)
    return _Year(seed, total, labels, varied).records()


# --- conversation script --------------------------------------------------------------


@dataclass(slots=True)
class Step:
    """One message before it has a time: who says what, and when if it matters."""

    role: str
    text: str
    agent: str | None = None
    delay: float | None = None  # seconds after the previous message; None: the usual pace
    reply_at: float | None = None  # first reply: seconds after the first customer message
    kind: str = ""  # "check" (agent looks something up), "transfer", "esc", "esc_done"
    # characters a phone segment lasts for: the template's, so that the customer's own
    # wording (wording.py) moves no time
    span: int | None = None


@dataclass(slots=True)
class FollowUp:
    """A repeat contact due: the same customer about the same problem."""

    customer: int
    scenario: int
    case: int
    order: str
    product: int
    channel: str
    previous: datetime
    depth: int


class _Year:
    def __init__(self, seed: int, total: int, labels: bool, varied: bool = True) -> None:
        self.seed = seed
        self.total = total
        self.labels = labels
        self.varied = varied
        self.rng = random.Random(seed)
        self.agents = make_agents(self.rng)
        self.by_id = {a.id: a for a in self.agents}
        self.leads = {a.team: a for a in self.agents if a.tier == "lead"}
        self.experts = [a for a in self.agents if a.tier == "expert"]
        self.scenarios = P.SCENARIOS
        self.scenario_indexes = range(len(self.scenarios))
        # Customers 0…prior-1 were customers before 2024: they can come back from day one
        # without every early return looking like a repeat contact.
        self.customers = max(50, round(total * PRIOR_CUSTOMERS))
        self.conversation_no = 0
        self.followups: list[tuple[datetime, int, FollowUp]] = []
        self.followup_seq = 0
        self._customer_cache: dict[int, Customer] = {}
        # customer index → times of their recent bad experiences (see GRUDGE_DAYS); pruned
        # monthly, so it holds only customers with a grudge still running
        self.grudges: dict[int, list[datetime]] = {}
        # its own stream, so the routing switch leaves every other draw where it was
        self.route_rng = random.Random(seed ^ 0x5E17)

    # --- the year ----------------------------------------------------------------------
    def records(self) -> Iterator[dict]:
        for agent in self.agents:
            yield agent.native()
        for record in self._conversations():
            yield record
            if self.conversation_no >= self.total:  # exactly the size asked for
                return

    def _conversations(self) -> Iterator[dict]:
        weights = [day_weight(d) for d in DAYS]
        scale = self.total / sum(weights)
        hours = list(accumulate(HOUR_WEIGHTS))
        expected = 0.0
        for day, weight in zip(DAYS, weights, strict=True):
            expected += weight * scale
            self._start_day(day)
            start = datetime(day.year, day.month, day.day, tzinfo=TZ)
            end = start + timedelta(days=1)
            # Repeat contacts already due today count towards today's volume; those that
            # today's own conversations cause are merged in as they come.
            due = sum(1 for when, _, _ in self.followups if when < end)
            fresh = max(0, round(expected) - self.conversation_no - due)
            arrivals = sorted(
                start
                + timedelta(
                    hours=self.rng.choices(range(24), cum_weights=hours)[0],
                    seconds=self.rng.randrange(3600),
                )
                for _ in range(fresh)
            )
            for when in arrivals:
                yield from self._due_follow_ups(when)
                yield self._conversation(when, None)
            yield from self._due_follow_ups(end - timedelta(microseconds=1))

    def _due_follow_ups(self, until: datetime) -> Iterator[dict]:
        while self.followups and self.followups[0][0] <= until:
            when, _, followup = heapq.heappop(self.followups)
            yield self._conversation(when, followup)

    def _start_day(self, day: date) -> None:
        self.day = day
        if day.day == 1:
            self._forget_old_grudges(datetime(day.year, day.month, 1, tzinfo=TZ))
        self.load = load(day)
        self.trend = {name: monthly(name, day) for name in _TREND_NAMES}
        self.queues: dict[str, tuple[list[Agent], list[float]]] = {}
        self.seniors: dict[str, list[Agent]] = {}
        for queue in ("presale", "aftersale", "tech", "complaint", "phone", "email"):
            pool = [a for a in self.agents if a.queue == queue and a.hired_on <= day]
            weights = [_WORKLOAD[a.tier] for a in pool]
            self.queues[queue] = (pool, list(accumulate(weights)))
            self.seniors[queue] = [a for a in pool if a.tier == "senior"]
        self.skill = {a.id: a.skill_on(day) for a in self.agents}
        boosts = [s["weight"] * scenario_boost(s["key"], day) for s in self.scenarios]
        self.scenario_cum = list(accumulate(boosts))
        # The demo projects (trends.DEMO_PROJECTS) change which problems the complaints are
        # about, not the department's complaint line (the seeds' −34 % already counts
        # them): the others take the difference.
        effects = [project_effect(s["key"], day) for s in self.scenarios]
        before = [b / e[0] for b, e in zip(boosts, effects, strict=True)]
        c = [s["complaint"] for s in self.scenarios]
        rate_without = sum(b * k for b, k in zip(before, c, strict=True)) / sum(before)
        rate_with = sum(b * k * e[1] for b, k, e in zip(boosts, c, effects, strict=True)) / sum(
            boosts
        )
        norm = rate_without / rate_with
        self.complaint_effect = [e[1] * norm for e in effects]

    # --- who, where, what ----------------------------------------------------------------
    def _customer(self, index: int) -> Customer:
        cached = self._customer_cache.get(index)
        if cached is None:
            if len(self._customer_cache) > 50_000:  # bounded: memory must not grow with size
                self._customer_cache.clear()
            cached = make_customer(self.seed, index, CHANNELS, CHANNEL_WEIGHTS)
            self._customer_cache[index] = cached
        return cached

    def _grudge(self, index: int, when: datetime) -> int:
        """How many bad experiences the customer had in the last GRUDGE_DAYS (capped)."""
        since = when - timedelta(days=GRUDGE_DAYS)
        return min(GRUDGE_CAP, sum(1 for t in self.grudges.get(index, ()) if since <= t < when))

    def _forget_old_grudges(self, now: datetime) -> None:
        since = now - timedelta(days=GRUDGE_DAYS)
        for index in list(self.grudges):
            kept = [t for t in self.grudges[index] if t >= since]
            if kept:
                self.grudges[index] = kept
            else:
                del self.grudges[index]

    def _pick_customer(self, when: datetime) -> Customer:
        rng = self.rng
        if rng.random() < RETURNING_SHARE:
            while True:  # vip and enterprise customers come back more often, and so do
                customer = self._customer(rng.randrange(self.customers))  # those with a grudge
                accept = RETURN_ACCEPT[customer.segment]
                if customer.index in self.grudges and self._grudge(customer.index, when):
                    accept *= GRUDGE_RETURN
                if rng.random() < accept:
                    return customer
        self.customers += 1
        return self._customer(self.customers - 1)

    def _channel(self, customer: Customer, when: datetime, previous: str | None) -> str:
        rng = self.rng
        if previous is not None:  # half of the repeat contacts change channel
            channel = previous if rng.random() < 0.5 else rng.choice(("chat", "phone", "app"))
        elif rng.random() < 0.55:
            channel = customer.channel
        else:
            channel = rng.choices(CHANNELS, weights=CHANNEL_WEIGHTS)[0]
        if channel == "email" and not customer.email:
            channel = "chat"
        if channel == "phone" and when.hour not in PHONE_HOURS:
            channel = "chat"
        return channel

    def _agent(self, queue: str) -> Agent:
        pool, cum = self.queues[queue]
        return self.rng.choices(pool, cum_weights=cum)[0]

    # --- one conversation ------------------------------------------------------------------
    def _conversation(self, created: datetime, followup: FollowUp | None) -> dict:
        rng = self.rng
        trend = self.trend
        self.conversation_no += 1
        if followup is not None:
            customer = self._customer(followup.customer)
            scenario_index = followup.scenario
        else:
            customer = self._pick_customer(created)
            scenario_index = rng.choices(self.scenario_indexes, cum_weights=self.scenario_cum)[0]
        scenario = self.scenarios[scenario_index]
        channel = self._channel(customer, created, followup.channel if followup else None)
        queue = channel if channel in ("phone", "email") else scenario["queue"]

        # Complaints come from sensitive customers, customers with a grudge, repeat contacts
        # and weak agents.
        owner = self._agent(queue)
        grudge = self._grudge(customer.index, created) if customer.index in self.grudges else 0
        routed = (
            grudge > 0
            and created >= ROUTING_FROM
            and channel in ("chat", "app")
            and bool(self.seniors[queue])
        )
        if routed:
            owner = self.route_rng.choice(self.seniors[queue])
        calm = SENIOR_CALM if grudge > 0 and owner.tier == "senior" else 1.0
        skill = self.skill[owner.id]
        p_complaint = trend["complaint"] * scenario["complaint"] * math.exp(-0.6 * skill)
        p_complaint *= (2.5 if customer.sensitive else 0.75) * (1.8 if followup else 1.0)
        p_complaint *= COMPLAINT_NORM * (1 + GRUDGE_STEP * grudge) * calm
        p_complaint *= self.complaint_effect[scenario_index]
        complaint = rng.random() < p_complaint
        # The complaint desk takes online complaints and customers on their third contact
        # (a routed contact stays with its senior).
        third_contact = followup is not None and followup.depth >= 2
        desk = channel in ("chat", "app") and (complaint or third_contact) and not routed
        if desk and rng.random() < 0.8:
            owner = self._agent("complaint")
            skill = self.skill[owner.id]
            calm = 1.0

        flags = self._behaviours(channel, skill, complaint, customer, grudge)
        if followup is not None:
            flags.add("repeat_contact")
        if complaint:
            flags.add("complaint")
        last_days = created >= datetime(2024, 12, 29, tzinfo=TZ)
        is_open = last_days and rng.random() < 0.2 + 0.15 * (created.day - 29)
        if is_open:
            flags.add("open")

        slots = self._slots(created, scenario, customer, owner, followup)
        if "customer_pii" in flags:
            slots["id_card"] = _id_card(rng)
            slots["bank_card"] = _bank_card(rng)
        writer = _Writer(self, channel, scenario, slots, owner, flags)
        writer.calm = calm
        steps = writer.script(complaint, is_open)
        messages, end_s, marks = _timeline(rng, channel, steps, created, self.by_id, flags)

        record: dict = {
            "type": "conversation",
            "id": f"C2024-{self.conversation_no:07d}",
            "channel": channel,
            "customer": customer.native(),
            "agent": writer.owner.id,
            "created_at": created.isoformat(),
        }
        end = created + timedelta(seconds=end_s)
        resolved = None
        closed = None
        status = "open"
        if not is_open:
            if flags & {"no_reply", "abandoned"}:
                closed = end + timedelta(minutes=rng.randint(5, 30))
                status = "closed"
            else:
                resolved = end + timedelta(seconds=rng.randint(0, 90))
                if complaint and rng.random() < 0.04:  # waits on a supplier or a refund
                    resolved = created + timedelta(hours=rng.uniform(73, 160))
                closed = resolved + timedelta(minutes=rng.randint(2, 40))
                status = "closed"
                if last_days and rng.random() < 0.3:
                    closed, status = None, "resolved"
        if resolved is not None:
            record["resolved_at"] = _whole(resolved).isoformat()
        if closed is not None:
            record["closed_at"] = _whole(closed).isoformat()
        record["status"] = status
        record["category"] = [scenario["scene"], scenario["problem"], slots["root_cause"]]
        record["complaint"] = complaint
        record["messages"] = messages
        if writer.transfers:
            record["transfers"] = [
                {"from": a, "to": b, "at": (created + timedelta(seconds=marks[i])).isoformat()}
                for i, (a, b) in enumerate(writer.transfers)
            ]
        if writer.escalations:
            record["escalations"] = [
                {
                    "level": level,
                    "at": (created + timedelta(seconds=marks[f"esc{i}"])).isoformat(),
                    "resolved_at": _whole(
                        created + timedelta(seconds=marks[f"esc{i}_done"])
                    ).isoformat(),
                }
                for i, level in enumerate(writer.escalations)
            ]
            flags.add("escalation")
        if writer.transfers:
            flags.add("transfer")
        if marks.get("first_reply_s", 0) > 30:
            flags.add("slow_first_reply")

        survey = self._survey(flags, skill, closed or resolved or end)
        if survey is not None:
            record["survey"] = survey
        low_rating = survey is not None and (
            survey.get("csat", 5) <= 2 or survey.get("nps", 10) <= 6
        )
        if complaint or "angry" in flags or low_rating:
            self.grudges.setdefault(customer.index, []).append(created)
        if scenario.get("order"):
            record["order"] = self._order(flags, skill, slots)
        if self.labels:
            record["demo_labels"] = sorted(flags)

        if not is_open and (followup is None or followup.depth < 3):
            self._maybe_follow_up(created, customer, scenario_index, slots, channel, flags, skill,
                                  followup)  # fmt: skip
        return record

    def _behaviours(
        self, channel: str, skill: float, complaint: bool, customer: Customer, grudge: int = 0
    ) -> set[str]:
        rng = self.rng
        bad = self.trend["behaviour"] * math.exp(-0.8 * skill)
        careless = min(0.9 / CARELESS_BOOST, CARELESS * bad)
        if rng.random() < careless:
            bad *= CARELESS_BOOST
        else:
            bad *= (1 - careless * CARELESS_BOOST) / (1 - careless)
        flags = {name for name, p in AGENT_BEHAVIOUR.items() if rng.random() < p * bad}
        if channel == "phone":
            flags |= {name for name, p in PHONE_BEHAVIOUR.items() if rng.random() < p * bad}
        angry = CUSTOMER_BEHAVIOUR["angry"] * (2.0 if customer.sensitive else 1.0)
        angry *= 1 + GRUDGE_STEP * grudge
        if complaint or rng.random() < angry:
            flags.add("angry")
        if rng.random() < CUSTOMER_BEHAVIOUR["customer_pii"]:
            flags.add("customer_pii")
        if rng.random() < CUSTOMER_BEHAVIOUR["repeat_question"] * math.exp(-0.5 * skill):
            flags.add("repeat_question")
        if channel in ("chat", "app"):
            no_reply = NO_REPLY * (1 + 1.5 * max(0.0, self.load - 1.3))
            if rng.random() < no_reply:
                return {"no_reply"}
        if rng.random() < ABANDON * math.exp(-0.5 * skill):
            flags.add("abandoned")
        if channel == "email":  # most chat-style lapses cannot happen in a written reply
            flags &= EMAIL_BEHAVIOUR
        if channel == "phone":  # callers do not say one sentence three times in a row
            flags -= {"repeat_question", "slow_reply"}
        return flags

    def _slots(
        self, created: datetime, scenario: dict, customer: Customer, owner: Agent, followup
    ) -> dict:
        rng = self.rng
        half = 1 if created.month <= 6 else 2
        causes = scenario["root_causes"]
        cause = rng.choices([c[0] for c in causes], weights=[c[half] for c in causes])[0]
        product_index = followup.product if followup else rng.randrange(len(P.PRODUCTS))
        product, low, high = P.PRODUCTS[product_index]
        price = round(rng.uniform(low, high) * self.trend["order_value"] / 10) * 10 - 1
        quantity = rng.choices((1, 2, 3), weights=(85, 12, 3))[0]
        bought = created - timedelta(days=rng.randint(2, 9))
        if followup is not None:  # the same order and the same sub-problem as last time
            case, order = followup.case, followup.order
        else:
            case = rng.randrange(len(scenario["cases"]))
            order = f"{bought:%y%m%d}{rng.randrange(10**8):08d}"
        courier = rng.choice(P.COURIERS)
        prefix = {"顺丰": "SF", "京东物流": "JD", "中通": "ZT", "圆通": "YT"}.get(courier, "YD")
        slots = {
            "root_cause": cause,
            "case": case,
            "product_index": product_index,
            "product": product,
            "amount": f"{price * quantity}",
            "amount_value": float(price * quantity),
            "discount": rng.choice((20, 30, 50, 100)),
            "coupon": rng.choice((5, 10, 20, 30)),
            "order": order,
            "courier": courier,
            "tracking": f"{prefix}{rng.randrange(10**12):012d}",
            "days": rng.randint(3, 8),
            "date": f"{bought.month}月{bought.day}日",
            "city": customer.city,
            "level": rng.choice(P.MEMBER_LEVELS),
            "company": rng.choice(P.COMPANIES),
            "customer": customer.name,
            "phone": customer.phone,
            "id_card": "",
            "bank_card": "",
            "hours": rng.choice((2, 4, 24)),
            "problem": scenario["name"],
            "phone_tail": customer.phone[-4:],
            "team": owner.team,
            "ago": "",
            "prev_channel": "",
        }
        if followup is not None:
            days = (created - followup.previous).days
            slots["ago"] = {0: "今天早些时候", 1: "昨天", 2: "前天"}.get(days, f"{days}天前")
            slots["prev_channel"] = P.CHANNEL_NAMES[followup.channel]
        return slots

    def _survey(self, flags: set[str], skill: float, after: datetime) -> dict | None:
        rng = self.rng
        if "open" in flags:
            return None
        upset = flags & {"complaint", "angry", "taboo"}
        if rng.random() >= (0.45 if upset else 0.34):
            return None
        mood = self.trend["mood"] + 0.5 * skill + rng.gauss(0, 1)
        mood -= sum(MOOD_PENALTY.get(f, 0.0) for f in flags)
        csat_mood = mood + rng.gauss(0, 0.4)
        nps_mood = mood + rng.gauss(0, 0.4)
        csat = 1 + sum(csat_mood > cut for cut in CSAT_CUTS)
        nps = sum(nps_mood > cut for cut in NPS_CUTS)
        kind = rng.random()
        survey: dict = {}
        if kind >= 0.15:  # 15 % answer only the NPS question
            survey["csat"] = csat
        if kind < 0.90:  # 10 % answer only CSAT
            survey["nps"] = nps
        survey["at"] = _whole(after + timedelta(minutes=rng.randint(1, 90))).isoformat()
        if rng.random() < 0.3:
            score = csat if "csat" in survey else (nps + 1) // 2
            pool = P.COMMENTS_GOOD if score >= 4 else P.COMMENTS_MIDDLE if score == 3 else None
            survey["comment"] = rng.choice(pool or P.COMMENTS_BAD)
        return survey

    def _order(self, flags: set[str], skill: float, slots: dict) -> dict:
        rng = self.rng
        p = self.trend["conversion"] + 0.06 * skill
        p -= 0.06 * ("slow_first_reply" in flags) + 0.1 * bool(flags & {"taboo", "shirking"})
        p -= 0.04 * ("no_confirmation" in flags) + 0.12 * bool(flags & {"abandoned", "no_reply"})
        converted = rng.random() < min(0.9, max(0.01, p))
        order: dict = {"converted": converted}
        if converted:
            order["amount"] = slots["amount_value"]
        order["currency"] = "CNY"
        return order

    def _maybe_follow_up(
        self, created, customer, scenario_index, slots, channel, flags, skill, followup
    ) -> None:
        """Maybe schedule the same customer's next contact about this problem (the repeat
        contacts that FCR counts); unresolved and badly served contacts come back more."""
        rng = self.rng
        p = self.trend["repeat"] * self.scenarios[scenario_index]["repeat"]
        p *= math.exp(-0.5 * skill)
        if flags & {"abandoned", "no_reply"}:
            p *= 2.2
        if flags & {"complaint", "taboo", "shirking", "repeat_question"}:
            p *= 1.4
        if rng.random() >= min(0.9, p):
            return
        if rng.random() < 0.6:
            delay = timedelta(hours=rng.uniform(1, 48))
        else:
            delay = timedelta(hours=rng.uniform(48, 164))
        self.followup_seq += 1
        entry = FollowUp(
            customer=customer.index,
            scenario=scenario_index,
            case=slots["case"],
            order=slots["order"],
            product=slots["product_index"],
            channel=channel,
            previous=created,
            depth=(followup.depth + 1) if followup else 1,
        )
        when = (created + delay).replace(microsecond=0)
        heapq.heappush(self.followups, (when, self.followup_seq, entry))


_TREND_NAMES = (
    "frt_slow", "email_frt_min", "repeat", "escalation", "escalation_min", "complaint", "mood",
    "conversion", "behaviour", "order_value",
)  # fmt: skip
# How much of the queue each tier takes: leads coach more than they answer.
_WORKLOAD = {"lead": 0.35, "new": 0.8, "regular": 1.0, "senior": 1.0, "expert": 1.0}


class _Writer:
    """Writes one conversation's script (Steps) from the scenario and the flags."""

    def __init__(self, year: _Year, channel, scenario, slots, owner: Agent, flags) -> None:
        self.year = year
        self.rng = year.rng
        self.channel = channel
        self.scenario = scenario
        self.case = scenario["cases"][slots["case"]]
        self.qa = scenario["qa"] + self.case.get("qa", [])
        self.slots = slots
        self.owner = owner
        self.flags = flags
        self.steps: list[Step] = []
        self.transfers: list[tuple[str, str]] = []
        self.escalations: list[str] = []
        self.closer: Agent | None = None  # who ends the conversation after an escalation
        self.transfer_pool: list[Agent] = []
        self.calm = 1.0  # SENIOR_CALM when a senior handles a customer with a grudge
        # the customer's own words, from a stream of their own (None: the templates')
        self.wording = (
            Wording(year.seed, year.conversation_no, scenario, slots["case"], channel, slots,
                    repeat_contact="repeat_contact" in flags)
            if year.varied
            else None
        )  # fmt: skip

    # --- helpers -------------------------------------------------------------------------
    def fill(self, options: list[str] | str) -> str:
        text = options if isinstance(options, str) else self.rng.choice(options)
        return text.format_map(self.slots) if "{" in text else text

    def customer(self, text: str, **kw) -> None:
        self.steps.append(Step("customer", text, **kw))

    def says(self, part: str, text: str, *parts: str, **kw) -> None:
        """A customer message the customer words themselves: `text` as the templates
        write it, `part` the Wording method that rewords it (from `parts`, or the text)."""
        said = getattr(self.wording, part)(*(parts or (text,))) if self.wording else text
        self.steps.append(Step("customer", said, span=len(text), **kw))

    def agent(self, text: str, who: Agent | None = None, **kw) -> None:
        self.steps.append(Step("agent", text, (who or self.owner).id, **kw))

    def bot(self, text: str, **kw) -> None:
        self.steps.append(Step("bot", text, **kw))

    def system(self, text: str, **kw) -> None:
        if self.channel != "phone":  # a call transcript has no system lines
            self.steps.append(Step("system", text, **kw))

    # --- the script ----------------------------------------------------------------------
    def script(self, complaint: bool, is_open: bool) -> list[Step]:
        if self.channel == "email":
            return self.email(is_open)
        rng, flags, sc = self.rng, self.flags, self.scenario
        phone = self.channel == "phone"
        self.slots["nick"] = self.owner.nick
        self.slots["workno"] = self.owner.workno

        if phone:
            greeting = P.AGENT_NO_GREETING_PHONE if "missing_greeting" in flags else None
            self.agent(self.fill(greeting or P.AGENT_GREETING_PHONE), delay=0)
        elif rng.random() < (0.8 if self.channel == "app" else 0.55):
            self.bot(rng.choice(P.BOT_GREETING_APP if self.channel == "app" else P.BOT_GREETING))
        case = self.case
        parts: tuple[str, ...]
        if "repeat_contact" in flags:  # back about the same problem, and it shows
            parts = (self.fill(P.FOLLOWUP_PREFIX), self.fill(sc["repeat_ask"]))
            opening, part = "".join(parts), "followup"
        else:
            opening, part = self.fill(case["opening"]), "opening"
            parts = (opening,)
        if not phone and rng.random() < 0.12:  # "在吗？", then the question right after
            self.customer(rng.choice(P.CUSTOMER_HELLO))
            self.says(part, opening, *parts, delay=rng.uniform(3, 12))
        else:
            self.says(part, opening, *parts)

        if "no_reply" in flags:
            self.bot(rng.choice(P.BOT_BUSY))
            for text in rng.sample(P.CUSTOMER_WAITING, rng.randint(1, 2)):
                self.customer(text, delay=rng.uniform(60, 240))
            self.system(P.SYSTEM_LEFT, delay=rng.uniform(120, 600))
            return self.steps

        repeat_at_start = "repeat_question" in flags and rng.random() < 0.5
        if repeat_at_start:
            self.repeat_question()
        frt = self.first_reply_s(repeat_at_start)
        confirm = "no_confirmation" not in flags
        question = case["confirm"] if confirm else case.get("ask", P.AGENT_ASK_ORDER)
        if phone:
            self.agent(self.fill(question))
        else:
            greeting = P.AGENT_NO_GREETING if "missing_greeting" in flags else P.AGENT_GREETING
            self.agent(self.fill(greeting) + self.fill(question), reply_at=frt)
        answer = case["yes"] if confirm else case.get("info", P.CUSTOMER_ORDER_NO)
        self.says("answer", self.fill(answer))
        if "customer_pii" in flags:
            _, text = rng.choice(P.CUSTOMER_SENSITIVE)
            self.customer(self.fill(text))
        if "asks_secret" in flags:
            self.agent(rng.choice(P.AGENT_ASK_SECRET))
            self.customer("这个也要给你吗？")
        self.agent(rng.choice(P.AGENT_CHECKING), kind="check")
        if is_open:
            return self.steps
        if self.plan_transfer(complaint):
            self.transfer()
        if "repeat_question" in flags and not repeat_at_start:
            self.repeat_question()
            self.agent(self.fill(case["solution"]), delay=self.rng.uniform(65, 200))
        else:
            self.agent(self.fill(case["solution"]), delay=rng.uniform(20, 90))

        self.middle(complaint)
        if "abandoned" in flags:
            self.customer(rng.choice(P.CUSTOMER_GIVE_UP))
            if phone:
                self.agent("喂？您还在吗？")
            else:
                self.system(P.SYSTEM_LEFT, delay=rng.uniform(60, 300))
            return self.steps
        self.closing()
        return self.steps

    def first_reply_s(self, after_repeats: bool) -> float:
        """Seconds from the customer's first message to the first human reply."""
        rng = self.rng
        if after_repeats:
            return rng.uniform(75, 200)
        p_slow = self.year.trend["frt_slow"] * math.exp(-0.7 * self.year.skill[self.owner.id])
        p_slow *= 1 + 0.35 * max(0.0, self.year.load - 1.2)
        if rng.random() < p_slow:
            return 31 + min(400.0, rng.expovariate(1 / 95))
        return rng.triangular(5, 30, 16)

    def repeat_question(self) -> None:
        """The customer asks the same thing three times in a row without an answer."""
        q = self.fill(self.scenario["repeat_ask"])
        if self.wording:
            q = self.wording.repeat(q)
        self.customer(q, delay=self.rng.uniform(15, 35))
        self.customer("问你呢，" + q, delay=self.rng.uniform(15, 35))
        self.customer(q.rstrip("？?") + "？？", delay=self.rng.uniform(10, 30))

    def plan_transfer(self, complaint: bool) -> bool:
        """Transfers stay inside the owner's team (to a colleague, not the lead)."""
        if self.rng.random() >= 0.05 * (1.5 if complaint else 1.0):
            return False
        self.transfer_pool = [
            a
            for a in self.year.queues[self.owner.queue][0]
            if a.team == self.owner.team and a.id != self.owner.id and a.tier != "lead"
        ]
        return bool(self.transfer_pool)

    def transfer(self) -> None:
        rng = self.rng
        hops = 2 if rng.random() < 0.08 else 1  # a few are passed on twice
        for _ in range(hops):
            candidates = [a for a in self.transfer_pool if a.id != self.owner.id]
            if not candidates:
                break
            target = rng.choice(candidates)
            self.agent(rng.choice(P.AGENT_TRANSFER))
            self.system(P.SYSTEM_TRANSFERRED.format(name=target.name))
            self.steps[-1].kind = "transfer"  # the system line, or the hand-over on the phone
            self.transfers.append((self.owner.id, target.id))
            self.owner = target
            self.slots["nick"] = target.nick
            self.agent(self.fill(P.AGENT_TAKEOVER), delay=rng.uniform(10, 40))

    def middle(self, complaint: bool) -> None:
        """Follow-up questions, lapses, anger and escalation after the first answer."""
        rng, flags, sc = self.rng, self.flags, self.scenario
        rounds = rng.choices(QA_ROUNDS, weights=QA_ROUND_WEIGHTS)[0]
        for question, answers in rng.sample(self.qa, min(rounds, len(self.qa))):
            self.says("question", self.fill(question))
            self.agent(self.fill(answers))
        if "overpromise" in flags:
            self.agent(rng.choice(P.AGENT_OVERPROMISE))
        if "taboo" in flags or "shirking" in flags:
            self.customer(self.fill(sc["repeat_ask"]))
            taboo = P.AGENT_TABOO + sc.get("taboo", [])
            self.agent(rng.choice(taboo if "taboo" in flags else P.AGENT_SHIRKING))
            self.customer(rng.choice(["你这是什么态度？", "这就是你们的服务态度？", "？？？"]))
            self.soothe()
        if "perfunctory" in flags:
            for tiny in P.AGENT_PERFUNCTORY:
                self.customer(self.fill(sc["repeat_ask"]))
                self.agent(tiny)
        if "angry" in flags:
            self.customer(self.fill(sc["angry"] if rng.random() < 0.7 else P.CUSTOMER_ANGRY))
            if "mechanical_soothing" in flags:
                self.mechanical(asked=True)
            else:
                self.soothe()
            if complaint:
                self.customer(rng.choice(P.CUSTOMER_COMPLAINT))
                if rng.random() < 0.12:
                    self.customer(rng.choice(P.CUSTOMER_LEGAL + P.CUSTOMER_CHURN))
        elif "mechanical_soothing" in flags:
            self.mechanical()
        if "agent_pii" in flags:
            self.agent(self.fill(P.AGENT_PII_ECHO))
        self.maybe_escalate(complaint)

    def soothe(self) -> None:
        """A soothing sentence, not the same as the agent's previous one."""
        said = {s.text for s in self.steps[-4:] if s.role == "agent"}
        self.agent(self.rng.choice([t for t in P.AGENT_SOOTHE if t not in said]))

    def mechanical(self, asked: bool = False) -> None:
        """The same soothing sentence three times, whatever the customer asks."""
        text = self.rng.choice(P.AGENT_MECHANICAL)
        questions = ["还要等多久？", self.fill(self.scenario["repeat_ask"])]
        if asked:  # the customer's angry message is the first question
            self.agent(text)
        else:
            questions.insert(0, "那我现在需要做什么？")
        for question in questions:
            self.customer(question)
            self.agent(text)

    def maybe_escalate(self, complaint: bool) -> None:
        rng, year = self.rng, self.year
        tech = self.scenario["queue"] == "tech"
        p = 0.7 if complaint else year.trend["escalation"] * (1.5 if tech else 1.0)
        if rng.random() >= p * self.calm * math.exp(-0.3 * year.skill[self.owner.id]):
            return
        lead = year.leads.get(self.owner.team)
        use_expert = tech or lead is None or lead.id == self.owner.id or rng.random() < 0.3
        mean_min = year.trend["escalation_min"]
        both = complaint and self.channel != "phone" and rng.random() < 0.15
        if lead is not None and (not use_expert or both):
            # supervisor level; the team lead joins the conversation
            share = 0.5 if use_expert else 0.72
            self.escalate("supervisor", lead, mean_min * share, final=not use_expert)
        if use_expert:
            self.escalate("expert", rng.choice(year.experts), mean_min * 1.38, final=True)

    def escalate(self, level: str, handler: Agent, mean_min: float, final: bool) -> None:
        """Agent → supervisor → expert team (专家组); lognormal handling times whose mean
        is the month's escalation_min."""
        rng = self.rng
        index = len(self.escalations)
        self.escalations.append(level)
        minutes = max(8.0, rng.lognormvariate(math.log(mean_min) - 0.18, 0.6))
        if not index:  # a second level was announced by the supervisor
            announce = P.AGENT_ESCALATE if level == "supervisor" else P.AGENT_ESCALATE_EXPERT
            self.agent(rng.choice(announce))
        text = P.SYSTEM_ESCALATED[level].format(name=handler.name)
        if self.channel == "phone":
            # the handler calls back when done: the escalation times, not more segments
            self.agent(self.fill(P.AGENT_PROMISE_CALLBACK), kind=f"esc{index}")
            self.steps.append(Step("_mark", "", kind=f"esc{index}_done", delay=minutes * 60))
            return
        self.system(text, kind=f"esc{index}")
        join = rng.uniform(60, 300)
        slots = {**self.slots, "name": handler.name, "team": handler.team}
        join_text = rng.choice(P.LEAD_JOIN if level == "supervisor" else P.EXPERT_JOIN)
        self.agent(join_text.format_map(slots), who=handler, delay=join)
        if final:
            solution = self.fill(self.case["solution"])
            done = rng.choice(P.ESCALATION_RESOLVED).format(solution=solution)
            wait = max(60.0, minutes * 60 - join)
            self.agent(done, who=handler, delay=wait, kind=f"esc{index}_done")
            self.closer = handler
        else:
            wait = max(60.0, minutes * 60 - join)
            self.agent(P.LEAD_TO_EXPERT, who=handler, delay=wait, kind=f"esc{index}_done")

    def closing(self) -> None:
        rng, flags = self.rng, self.flags
        closer = self.closer
        self.customer(rng.choice(P.CUSTOMER_THANKS))
        if self.channel == "phone":
            if "missing_closing" in flags:
                self.agent(rng.choice(P.AGENT_ABRUPT_END), who=closer)
                return
            self.agent("请问还有其他可以帮您的吗？", who=closer)
            self.customer(rng.choice(P.CUSTOMER_BYE_PHONE))
            self.agent(rng.choice(P.AGENT_CLOSING_PHONE), who=closer)
            return
        ending = P.AGENT_ABRUPT_END if "missing_closing" in flags else P.AGENT_CLOSING
        self.agent(rng.choice(ending), who=closer)
        if rng.random() < 0.3:
            self.system(P.SYSTEM_ENDED, delay=rng.uniform(60, 300))

    def email(self, is_open: bool) -> list[Step]:
        rng, sc, flags = self.rng, self.scenario, self.flags
        case = self.case
        opening = self.fill(case["opening"])
        if "repeat_contact" in flags:
            prefix, ask = self.fill(P.FOLLOWUP_PREFIX), self.fill(sc["repeat_ask"])
            opening = self.wording.followup(prefix, ask) if self.wording else prefix + ask
        elif self.wording:
            opening = self.wording.opening(opening)
        subject = self.wording.subject() if self.wording else f"关于{sc['name']}"
        body = f"主题：{subject}\n{opening}"
        if not sc.get("order"):  # after-sale mail quotes the order
            body += "\n" + self.fill("订单号：{order}")
        if "angry" in flags:
            body += "\n" + self.fill(sc["angry"])
        if "customer_pii" in flags:
            body += "\n" + self.fill(rng.choice(P.CUSTOMER_SENSITIVE)[1])
        self.customer(body)
        self.bot(rng.choice(P.BOT_EMAIL_ACK), delay=rng.uniform(5, 30))
        if is_open or "no_reply" in flags:
            return self.steps
        mean_s = self.year.trend["email_frt_min"] * 60
        frt = max(60.0, rng.gammavariate(4, mean_s / 4))  # an e-mail desk working a queue
        frt *= math.exp(-0.3 * self.year.skill[self.owner.id])
        slots = {**self.slots, "name": self.owner.name}
        greeting = (
            f"{self.slots['customer']}：\n"
            if "missing_greeting" in flags
            else P.AGENT_GREETING_EMAIL[0].format_map(slots) + "\n"
        )
        body = self.rng.choice(P.AGENT_EMAIL_BODY)
        reply = greeting + body.format_map({**slots, "solution": self.fill(case["solution"])})
        if "taboo" in flags:
            reply += "\n" + rng.choice(P.AGENT_TABOO)
        if "missing_closing" not in flags:
            reply += "\n" + rng.choice(P.AGENT_CLOSING_EMAIL).format_map(slots)
        self.agent(reply, reply_at=max(frt, 40.0))
        if rng.random() < 0.45:
            question, answers = rng.choice(self.qa or self.year.scenarios[0]["qa"])
            self.says("question", self.fill(question), delay=rng.uniform(1800, 72_000))
            self.agent(greeting + self.fill(answers), delay=rng.uniform(600, 14_400))
        if "abandoned" in flags:
            return self.steps
        self.maybe_escalate("complaint" in flags)
        if rng.random() < 0.4:
            self.customer("收到，谢谢。", delay=rng.uniform(600, 36_000))
        return self.steps


def _timeline(
    rng: random.Random,
    channel: str,
    steps: list[Step],
    created: datetime,
    agents: dict[str, Agent],
    flags: set[str],
) -> tuple[list[dict], float, dict]:
    """Give each step a time; phone steps become transcript segments (start_s/end_s).

    Returns the messages, the offset (seconds after created_at) by which everything is
    done, and the offsets of marked steps: transfers by their order, escalations
    ("esc0", "esc0_done"…) and "first_reply_s"."""
    phone = channel == "phone"
    messages: list[dict] = []
    marks: dict = {}
    t = 0.0  # start of the current message
    end = 0.0  # when the last message (phone: segment) ended
    done = 0.0  # when everything is done, call-backs after an escalation included
    prev_role = None
    first_customer = None
    slow_gap = "slow_reply" in flags
    interrupt = "interrupt" in flags
    transfers = 0
    for step in steps:
        role = step.role
        if role == "_mark":  # a phone escalation resolved after the call
            marks[step.kind] = marks[step.kind.removesuffix("_done")] + (step.delay or 0.0)
            done = max(done, marks[step.kind])
            continue
        if not messages:
            t = 0.0
        elif phone:
            t = _phone_start(rng, step, prev_role, end, flags)
            if interrupt and role == "agent" and prev_role == "customer":
                t = max(t - rng.uniform(1.0, 2.0), messages[-1]["start_s"] + 0.5)
                interrupt = False  # talks over the customer once
        elif step.reply_at is not None and first_customer is not None:
            t = max(first_customer + step.reply_at, t + 1)
        elif step.delay is not None:
            t += step.delay
        else:
            t += _chat_gap(rng, prev_role, role)
            if (
                slow_gap
                and role == "agent"
                and prev_role == "customer"
                and "first_reply_s" in marks
            ):
                t += rng.uniform(61, 180)  # a reply that keeps the customer waiting > 60 s
                slow_gap = False
        t = round(t, 1) if phone else float(round(t))
        if step.kind == "transfer":
            marks[transfers] = t
            transfers += 1
        elif step.kind:
            marks[step.kind] = t
        message: dict[str, Any] = {"id": f"m{len(messages) + 1}", "role": role}
        message["at"] = (created + timedelta(seconds=t)).isoformat()
        if role == "agent":
            message["agent"] = step.agent
        message["text"] = step.text
        if phone:
            speaker = agents[step.agent] if role == "agent" and step.agent else None
            rate = speaker.speech_rate if speaker else rng.uniform(3.6, 5.0)
            chars = len(step.text) if step.span is None else step.span
            end = round(t + max(1.0, chars / rate + rng.uniform(0.2, 0.8)), 1)
            message["start_s"] = t
            message["end_s"] = end
        else:
            end = t
        if role == "customer" and first_customer is None:
            first_customer = t
        elif role == "agent" and first_customer is not None and "first_reply_s" not in marks:
            marks["first_reply_s"] = t - first_customer
        messages.append(message)
        prev_role = role
    return messages, max(end, done), marks


def _whole(moment: datetime) -> datetime:
    """Rounded up to the whole second (phone segments run in tenths)."""
    if moment.microsecond:
        return moment.replace(microsecond=0) + timedelta(seconds=1)
    return moment


def _chat_gap(rng: random.Random, prev: str | None, role: str) -> float:
    if role == "customer":
        if prev == "customer":
            return rng.uniform(8, 40)
        if prev == "bot":
            return rng.uniform(3, 25)
        return rng.triangular(6, 90, 20)
    if role == "agent":
        if prev == "customer":
            return rng.triangular(5, 45, 14)
        if prev == "agent":
            return rng.uniform(4, 15)
        return rng.uniform(5, 20)
    return rng.uniform(1, 3)


def _phone_start(
    rng: random.Random, step: Step, prev: str | None, end: float, flags: set[str]
) -> float:
    if prev == "agent" and step.role == "agent":
        if step.delay and step.delay > 5:  # the transfer hold or looking something up
            silence = rng.uniform(11, 40) if "long_silence" in flags else rng.uniform(3, 9)
            return end + silence
        return end + rng.uniform(0.3, 1.0)
    return end + rng.uniform(0.4, 1.6)


def _id_card(rng: random.Random) -> str:
    """An 18-character resident ID with a valid check character (GB 11643)."""
    region = rng.choice(("310104", "440305", "330106", "110105", "510107", "420102"))
    birth = date(1960, 1, 1) + timedelta(days=rng.randrange(16_000))
    body = f"{region}{birth:%Y%m%d}{rng.randrange(1000):03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    check = "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]
    return body + check


def _bank_card(rng: random.Random) -> str:
    """A 16- or 19-digit UnionPay-style card number, sometimes typed in groups of four."""
    digits = "62" + "".join(str(rng.randrange(10)) for _ in range(rng.choice((14, 17))))
    if rng.random() < 0.4:
        return " ".join(digits[i : i + 4] for i in range(0, len(digits), 4))
    return digits
