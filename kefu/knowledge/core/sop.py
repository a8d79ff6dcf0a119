"""SOP steps: numbered steps with decision branches ("if the order is unpaid → step 4").

Data form (stored as JSON): ``[{"n": 1, "text": "…", "branches": [{"if": "…", "goto": 4}]}]``.
Text form (the editor and Markdown files), one step per numbered line, its branches as
list items below it::

    1. 核实订单状态
       - 如果 订单未支付 → 4
       - 如果 已发货 → 3
    2. …

`check` refuses steps that are not numbered 1…N in order, empty texts, a branch without a
condition, and a branch to a step that does not exist or to its own step. Every step
flows on to the next one; a branch is a jump when its condition holds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

_STEP = re.compile(r"^\s*(\d+)\s*[.、)．]\s*(.*?)\s*$")
_BRANCH = re.compile(
    r"^\s*[-*•]\s*(?:如果|若|if\b)?\s*(.*?)\s*(?:→|->|=>|⇒)\s*(?:第|step\s*)?(\d+)\s*步?\s*$",
    re.I,
)


# The problems `check` names (code → English sentence; the app translates the codes).
MESSAGES = {
    "line": "line {value}: a step starts with its number (1. …)",
    "not_list": "steps are a list",
    "not_object": "a step is an object with n, text and branches",
    "numbered": "the step is numbered {value}",
    "empty": "the step has no text",
    "no_condition": "a branch has no condition",
    "bad_goto": "a branch goes to {value}, not a step number",
    "missing_step": "a branch goes to step {value}, which does not exist",
    "self": "a branch goes to its own step",
}

Problem = tuple[int | None, str, object]  # (step number or None, code, value)


class StepError(ValueError):
    """Problems with the steps: each (step number or None, code of MESSAGES, value)."""

    def __init__(self, errors: list[Problem]) -> None:
        super().__init__(
            "; ".join(
                (f"{n}: " if n else "") + MESSAGES[code].format(value=value)
                for n, code, value in errors
            )
        )
        self.errors = errors


@dataclass(frozen=True)
class Branch:
    condition: str
    goto: int


@dataclass(frozen=True)
class Step:
    n: int
    text: str
    branches: tuple[Branch, ...] = ()

    def as_data(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "text": self.text,
            "branches": [{"if": b.condition, "goto": b.goto} for b in self.branches],
        }


def parse_text(text: str) -> list[Step]:
    """Steps from the text form; a line that is neither a step nor a branch continues
    the step's text. Raises StepError."""
    steps: list[dict[str, Any]] = []
    errors: list[Problem] = []
    for number, line in enumerate((text or "").splitlines(), 1):
        if not line.strip():
            continue
        branch = _BRANCH.match(line)
        if branch and steps:
            steps[-1]["branches"].append({"if": branch.group(1), "goto": int(branch.group(2))})
            continue
        step = _STEP.match(line)
        if step:
            steps.append({"n": int(step.group(1)), "text": step.group(2), "branches": []})
        elif steps:
            steps[-1]["text"] = (steps[-1]["text"] + " " + line.strip()).strip()
        else:
            errors.append((None, "line", number))
    if errors:
        raise StepError(errors)
    return check(steps)


def check(data: Any) -> list[Step]:
    """The steps of the data form, checked. Raises StepError listing every problem."""
    if not data:
        return []
    if not isinstance(data, list):
        raise StepError([(None, "not_list", None)])
    errors: list[Problem] = []
    steps: list[Step] = []
    for position, raw in enumerate(data, 1):
        if not isinstance(raw, dict):
            errors.append((position, "not_object", None))
            continue
        n, text = raw.get("n"), str(raw.get("text") or "").strip()
        if n != position:
            errors.append((position, "numbered", n))
        if not text:
            errors.append((position, "empty", None))
        branches = []
        for b in raw.get("branches") or []:
            condition = str((b or {}).get("if") or "").strip()
            goto = (b or {}).get("goto")
            if not condition:
                errors.append((position, "no_condition", None))
            if not isinstance(goto, int) or isinstance(goto, bool):
                errors.append((position, "bad_goto", goto))
                continue
            branches.append(Branch(condition, goto))
        steps.append(Step(position, text, tuple(branches)))
    count = len(steps)
    for step in steps:
        for b in step.branches:
            if not 1 <= b.goto <= count:
                errors.append((step.n, "missing_step", b.goto))
            elif b.goto == step.n:
                errors.append((step.n, "self", b.goto))
    if errors:
        raise StepError(errors)
    return steps


def to_text(steps: list[Step]) -> str:
    lines = []
    for step in steps:
        lines.append(f"{step.n}. {step.text}")
        lines.extend(f"   - 如果 {b.condition} → {b.goto}" for b in step.branches)
    return "\n".join(lines)


def plain(steps: list[Step]) -> str:
    """The steps as plain text for the search index."""
    return "\n".join(" ".join([step.text, *(b.condition for b in step.branches)]) for step in steps)
