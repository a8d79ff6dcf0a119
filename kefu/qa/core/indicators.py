"""Indicators: named rules with a severity and a problem type (contract qa-indicators.md)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kefu.qa.core.conditions import Condition, compile_condition
from kefu.qa.core.errors import DefinitionError
from kefu.qa.core.lexicons import LexiconSet
from kefu.qa.core.view import ConversationView

SEVERITIES = ("minor", "normal", "severe")
TYPES = ("attitude", "knowledge", "communication", "operation", "compliance", "customer_risk")
TYPE_LABELS = {
    "attitude": "服务态度",
    "knowledge": "业务知识",
    "communication": "沟通技巧",
    "operation": "系统操作",
    "compliance": "合规",
    "customer_risk": "客户风险",
}
SEVERITY_LABELS = {"minor": "轻微", "normal": "一般", "severe": "严重"}
_ID = re.compile(r"^[a-z][a-z0-9_]{1,63}$")
MAX_EVIDENCE = 3
FOUND = "出现: "  # the prefix text conditions give found words (conditions.py)


@dataclass(frozen=True)
class Hit:
    indicator: str
    messages: tuple[str, ...]
    evidence: str
    severity: str
    type: str
    occurrences: int = 1

    def as_contract(self) -> dict[str, Any]:
        return {
            "indicator": self.indicator,
            "messages": list(self.messages),
            "evidence": self.evidence,
            "severity": self.severity,
            "type": self.type,
        }


@dataclass(frozen=True)
class Indicator:
    id: str
    name_zh: str
    name_en: str
    severity: str
    type: str
    when: Condition
    definition: Mapping[str, Any]  # the data it was compiled from (for editors, versions)
    description: str = ""

    def evaluate(self, view: ConversationView) -> Hit | None:
        findings = self.when.evaluate(view)
        if findings is None:
            return None
        order = {m.id: m.index for m in view.messages}
        ids = sorted({i for ids, _ in findings for i in ids}, key=lambda i: order.get(i, 0))
        evidence = _merge_evidence(findings)
        text = "；".join(evidence[:MAX_EVIDENCE]) + ("…" if len(evidence) > MAX_EVIDENCE else "")
        # One occurrence per distinct place: two conditions finding the same message
        # (a lexicon word and a pattern) are one lapse, not two.
        places = {ids for ids, _ in findings}
        return Hit(self.id, tuple(ids), text, self.severity, self.type, max(1, len(places)))


def _merge_evidence(findings: list[tuple[tuple[str, ...], str]]) -> list[str]:
    """Evidence per place, the words found at one place merged: 出现: 我也没办法、没办法."""
    by_place: dict[tuple[str, ...], list[str]] = {}
    for ids, text in findings:
        if text:
            by_place.setdefault(ids, []).append(text)
    out: list[str] = []
    for texts in by_place.values():
        words = [t.removeprefix(FOUND) for t in texts if t.startswith(FOUND)]
        others = [t for t in texts if not t.startswith(FOUND)]
        merged = [FOUND + "、".join(dict.fromkeys("、".join(words).split("、")))] if words else []
        out.extend(dict.fromkeys(merged + others))
    return list(dict.fromkeys(out))


def parse_indicator(data: Any, lexicons: LexiconSet, where: str = "indicator") -> Indicator:
    if not isinstance(data, Mapping):
        raise DefinitionError(where, "must be a mapping with id, severity, type and when")
    ident = data.get("id")
    if not isinstance(ident, str) or not _ID.match(ident):
        raise DefinitionError(f"{where}.id", "a-z, 0-9 and _, starting with a letter (2–64)")
    where = f"indicator {ident}"
    unknown = set(data) - {"id", "name", "severity", "type", "when", "description"}
    if unknown:
        raise DefinitionError(f"{where}: {sorted(map(str, unknown))[0]}", "unknown key")
    name = data.get("name") or {}
    if isinstance(name, str):
        name = {"zh": name, "en": name}
    if not isinstance(name, Mapping) or not all(isinstance(v, str) for v in name.values()):
        raise DefinitionError(f"{where}: name", "a string, or {zh: …, en: …}")
    severity = data.get("severity", "normal")
    if severity not in SEVERITIES:
        raise DefinitionError(f"{where}: severity", f"must be one of {', '.join(SEVERITIES)}")
    kind = data.get("type")
    if kind not in TYPES:
        raise DefinitionError(f"{where}: type", f"must be one of {', '.join(TYPES)}")
    if "when" not in data:
        raise DefinitionError(f"{where}: when", "is required (the condition that fires it)")
    description = data.get("description", "")
    if not isinstance(description, str):
        raise DefinitionError(f"{where}: description", "must be a string")
    when = compile_condition(data["when"], f"{where}: when", lexicons)
    return Indicator(
        id=ident,
        name_zh=name.get("zh") or name.get("en") or ident,
        name_en=name.get("en") or name.get("zh") or ident,
        severity=severity,
        type=kind,
        when=when,
        definition=dict(data),
        description=description,
    )


def parse_indicators(data: Any, lexicons: LexiconSet) -> dict[str, Indicator]:
    if not isinstance(data, list):
        raise DefinitionError("indicators", "must be a list of indicators")
    out: dict[str, Indicator] = {}
    for i, item in enumerate(data):
        indicator = parse_indicator(item, lexicons, f"indicators[{i}]")
        if indicator.id in out:
            raise DefinitionError(f"indicator {indicator.id}: id", "is used twice")
        out[indicator.id] = indicator
    return out
