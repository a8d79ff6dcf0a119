"""Rule tags: a small rule language over a customer's history ("high value" = spend of
at least X in the last N days; "likely to churn" = no contact for N days after at least M
contacts; …). A rule is a list of conditions that must all hold; each condition is a
dict `{"kind": …, parameters}` checked by `check_rule` (bad rules are refused with the
condition and parameter at fault) and evaluated by `matches`. Pure Python.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from kefu.customers.core.risk import LABELS, Contact

MAX_CONDITIONS = 5
MAX_DAYS = 3660
MAX_NUMBER = 10**9


@dataclass(frozen=True)
class Kind:
    """A condition kind and its parameters: name → (minimum, maximum) for numbers,
    or a tuple of allowed strings."""

    code: str
    params: dict[str, tuple[int, int] | tuple[str, ...]]


KINDS: dict[str, Kind] = {
    k.code: k
    for k in (
        # spend (converted order amounts) in the last `days` at least `amount`
        Kind("spend_at_least", {"amount": (0, MAX_NUMBER), "days": (1, MAX_DAYS)}),
        # no contact for at least `days`, after at least `contacts` contacts in all
        Kind("no_contact_for", {"days": (1, MAX_DAYS), "contacts": (1, 10_000)}),
        # at least `count` contacts in the last `days`
        Kind("contacts_at_least", {"count": (1, 10_000), "days": (1, MAX_DAYS)}),
        # at least `count` complaints in the last `days`
        Kind("complaints_at_least", {"count": (1, 10_000), "days": (1, MAX_DAYS)}),
        # the risk label is `label`
        Kind("risk_label", {"label": LABELS}),
        # the customer's segment (as imported) is `segment`
        Kind("segment", {"segment": ()}),
    )
}


class RuleError(ValueError):
    """A rule that cannot be evaluated: `path` names the condition and parameter."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


def check_rule(rule: Any) -> list[dict[str, Any]]:
    """The rule as stored (numbers as int, strings stripped), or RuleError."""
    if not isinstance(rule, list) or not rule:
        raise RuleError("rule", "a list of one or more conditions")
    if len(rule) > MAX_CONDITIONS:
        raise RuleError("rule", f"at most {MAX_CONDITIONS} conditions")
    return [_check_condition(c, i) for i, c in enumerate(rule)]


def _check_condition(condition: Any, index: int) -> dict[str, Any]:
    path = f"rule[{index}]"
    if not isinstance(condition, dict):
        raise RuleError(path, "a condition is an object with a kind")
    kind = KINDS.get(condition.get("kind"))  # type: ignore[arg-type]
    if kind is None:
        raise RuleError(f"{path}.kind", f"one of {', '.join(KINDS)}")
    unknown = set(condition) - {"kind", *kind.params}
    if unknown:
        raise RuleError(f"{path}.{sorted(unknown)[0]}", "unknown parameter")
    out: dict[str, Any] = {"kind": kind.code}
    for name, spec in kind.params.items():
        value = condition.get(name)
        where = f"{path}.{name}"
        if value is None or value == "":
            raise RuleError(where, "required")
        if spec and isinstance(spec[0], int):
            low, high = spec  # type: ignore[misc]
            if isinstance(value, bool) or not isinstance(value, int | float | str):
                raise RuleError(where, "a whole number")
            try:
                number = int(str(value).strip())
            except ValueError:
                raise RuleError(where, "a whole number") from None
            if not low <= number <= high:
                raise RuleError(where, f"between {low} and {high}")
            out[name] = number
        else:
            text = str(value).strip()[:50]
            if "\x00" in text:
                raise RuleError(where, "must not contain NUL characters")
            if spec and text not in spec:
                raise RuleError(where, f"one of {', '.join(spec)}")  # type: ignore[arg-type]
            if not text:
                raise RuleError(where, "required")
            out[name] = text
    return out


@dataclass(frozen=True)
class Subject:
    """What a rule reads about one customer."""

    history: Sequence[Contact]
    label: str = ""
    segment: str = ""


def _since(history: Sequence[Contact], as_of: datetime, days: int) -> list[Contact]:
    start = as_of - timedelta(days=days)
    return [c for c in history if start <= c.at < as_of]


def condition_holds(condition: dict[str, Any], subject: Subject, as_of: datetime) -> bool:
    kind = condition["kind"]
    history = subject.history
    if kind == "spend_at_least":
        spend = sum(c.spend for c in _since(history, as_of, condition["days"]))
        return spend > 0 and spend >= condition["amount"]
    if kind == "no_contact_for":
        past = [c for c in history if c.at < as_of]
        if len(past) < condition["contacts"]:
            return False
        last = max(c.at for c in past)
        return as_of - last >= timedelta(days=condition["days"])
    if kind == "contacts_at_least":
        return len(_since(history, as_of, condition["days"])) >= condition["count"]
    if kind == "complaints_at_least":
        complaints = [c for c in _since(history, as_of, condition["days"]) if c.complaint]
        return len(complaints) >= condition["count"]
    if kind == "risk_label":
        return subject.label == condition["label"]
    if kind == "segment":
        return subject.segment == condition["segment"]
    raise RuleError("kind", f"unknown kind {kind!r}")


def matches(rule: Sequence[dict[str, Any]], subject: Subject, as_of: datetime) -> bool:
    """Whether every condition of a (checked) rule holds for the customer."""
    return bool(rule) and all(condition_holds(c, subject, as_of) for c in rule)
