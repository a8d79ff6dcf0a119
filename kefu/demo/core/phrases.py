"""What the demo customers and agents say: scenario templates and shared phrasings,
read once from kefu/demo/data/phrases.yaml (see its header for the shapes).

Pure data. YAML has no tuples: the pairs and triples the generator unpacks are made
tuples again here, so the generated data stays byte for byte what it was.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

PATH = Path(__file__).resolve().parent.parent / "data" / "phrases.yaml"
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _tuples(rows: list) -> list[tuple]:
    return [tuple(row) for row in rows]


def _load() -> dict[str, Any]:
    with PATH.open(encoding="utf-8") as handle:
        data = yaml.load(handle, Loader=_LOADER)
    for name in ("CUSTOMER_SENSITIVE", "PRODUCTS"):
        data[name] = _tuples(data[name])
    for scenario in data["SCENARIOS"]:
        scenario["root_causes"] = _tuples(scenario["root_causes"])
        if "qa" in scenario:
            scenario["qa"] = _tuples(scenario["qa"])
        for case in scenario.get("cases", ()):
            if "qa" in case:
                case["qa"] = _tuples(case["qa"])
    return data


_DATA = _load()

BRAND: str = _DATA["BRAND"]
SCENARIOS: list[dict] = _DATA["SCENARIOS"]
CUSTOMER_HELLO: list[str] = _DATA["CUSTOMER_HELLO"]
CUSTOMER_THANKS: list[str] = _DATA["CUSTOMER_THANKS"]
CUSTOMER_BYE_PHONE: list[str] = _DATA["CUSTOMER_BYE_PHONE"]
CUSTOMER_GIVE_UP: list[str] = _DATA["CUSTOMER_GIVE_UP"]
CUSTOMER_ANGRY: list[str] = _DATA["CUSTOMER_ANGRY"]
CUSTOMER_COMPLAINT: list[str] = _DATA["CUSTOMER_COMPLAINT"]
CUSTOMER_LEGAL: list[str] = _DATA["CUSTOMER_LEGAL"]
CUSTOMER_CHURN: list[str] = _DATA["CUSTOMER_CHURN"]
CUSTOMER_WAITING: list[str] = _DATA["CUSTOMER_WAITING"]
CUSTOMER_SENSITIVE: list[tuple] = _DATA["CUSTOMER_SENSITIVE"]
FOLLOWUP_PREFIX: list[str] = _DATA["FOLLOWUP_PREFIX"]
AGENT_GREETING: list[str] = _DATA["AGENT_GREETING"]
AGENT_GREETING_PHONE: list[str] = _DATA["AGENT_GREETING_PHONE"]
AGENT_GREETING_EMAIL: list[str] = _DATA["AGENT_GREETING_EMAIL"]
AGENT_NO_GREETING: list[str] = _DATA["AGENT_NO_GREETING"]
AGENT_NO_GREETING_PHONE: list[str] = _DATA["AGENT_NO_GREETING_PHONE"]
AGENT_ASK_ORDER: list[str] = _DATA["AGENT_ASK_ORDER"]
CUSTOMER_ORDER_NO: list[str] = _DATA["CUSTOMER_ORDER_NO"]
AGENT_CHECKING: list[str] = _DATA["AGENT_CHECKING"]
AGENT_SOOTHE: list[str] = _DATA["AGENT_SOOTHE"]
AGENT_MECHANICAL: list[str] = _DATA["AGENT_MECHANICAL"]
AGENT_CLOSING: list[str] = _DATA["AGENT_CLOSING"]
AGENT_CLOSING_PHONE: list[str] = _DATA["AGENT_CLOSING_PHONE"]
AGENT_CLOSING_EMAIL: list[str] = _DATA["AGENT_CLOSING_EMAIL"]
AGENT_ABRUPT_END: list[str] = _DATA["AGENT_ABRUPT_END"]
AGENT_TABOO: list[str] = _DATA["AGENT_TABOO"]
AGENT_SHIRKING: list[str] = _DATA["AGENT_SHIRKING"]
AGENT_OVERPROMISE: list[str] = _DATA["AGENT_OVERPROMISE"]
AGENT_PERFUNCTORY: list[str] = _DATA["AGENT_PERFUNCTORY"]
AGENT_ASK_SECRET: list[str] = _DATA["AGENT_ASK_SECRET"]
AGENT_PII_ECHO: list[str] = _DATA["AGENT_PII_ECHO"]
AGENT_TRANSFER: list[str] = _DATA["AGENT_TRANSFER"]
AGENT_TAKEOVER: list[str] = _DATA["AGENT_TAKEOVER"]
AGENT_ESCALATE: list[str] = _DATA["AGENT_ESCALATE"]
AGENT_ESCALATE_EXPERT: list[str] = _DATA["AGENT_ESCALATE_EXPERT"]
LEAD_JOIN: list[str] = _DATA["LEAD_JOIN"]
LEAD_TO_EXPERT: str = _DATA["LEAD_TO_EXPERT"]
EXPERT_JOIN: list[str] = _DATA["EXPERT_JOIN"]
ESCALATION_RESOLVED: list[str] = _DATA["ESCALATION_RESOLVED"]
AGENT_PROMISE_CALLBACK: list[str] = _DATA["AGENT_PROMISE_CALLBACK"]
AGENT_EMAIL_BODY: list[str] = _DATA["AGENT_EMAIL_BODY"]
BOT_GREETING: list[str] = _DATA["BOT_GREETING"]
BOT_GREETING_APP: list[str] = _DATA["BOT_GREETING_APP"]
BOT_BUSY: list[str] = _DATA["BOT_BUSY"]
BOT_EMAIL_ACK: list[str] = _DATA["BOT_EMAIL_ACK"]
SYSTEM_TRANSFERRED: str = _DATA["SYSTEM_TRANSFERRED"]
SYSTEM_ESCALATED: dict = _DATA["SYSTEM_ESCALATED"]
SYSTEM_LEFT: str = _DATA["SYSTEM_LEFT"]
SYSTEM_ENDED: str = _DATA["SYSTEM_ENDED"]
COMMENTS_GOOD: list[str] = _DATA["COMMENTS_GOOD"]
COMMENTS_MIDDLE: list[str] = _DATA["COMMENTS_MIDDLE"]
COMMENTS_BAD: list[str] = _DATA["COMMENTS_BAD"]
PRODUCTS: list[tuple] = _DATA["PRODUCTS"]
COURIERS: list[str] = _DATA["COURIERS"]
CITIES: list[str] = _DATA["CITIES"]
MEMBER_LEVELS: list[str] = _DATA["MEMBER_LEVELS"]
COMPANIES: list[str] = _DATA["COMPANIES"]
CHANNEL_NAMES: dict = _DATA["CHANNEL_NAMES"]
WORDING: dict = _DATA["WORDING"]  # how customers really type (wording.py)
