"""A simulated trainee for the demo and the benchmark (pure Python).

It practises a scenario the way a new hire does: at each customer line it picks a good
reply (one of the scenario's own route examples marked `good`) or, with probability
`lapse`, a bad one (a `good: false` example or a vague answer the scenario does not
understand); it forgets the greeting, the confirming question or the closing words, and
answers slowly, with the same probability. The transcript then goes through the real
dialogue core (the customer's answers) and, in the demo, the real QA engine: the demo's
error rates are what the QA scorecard finds in these transcripts, not drawn numbers.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from kefu.training.core.dialogue import END, GOAL, TALK, Line, Scenario, Step, opening, respond

VAGUE = ("嗯嗯", "好的", "这个要看情况。", "稍等。", "收到。", "系统就是这样显示的。", "您再看看。")
GREETINGS = ("您好，", "您好！", "亲，您好，")
CONFIRM = ("我先跟您确认一下情况，", "跟您核实一下，", "您是说这个问题对吗？")
CLOSINGS = (
    "感谢您的耐心，还有什么可以帮您的吗？祝您生活愉快！",
    "不客气，还有其他问题随时联系我们，祝您生活愉快！",
    "感谢您的理解，还有什么需要帮助的吗？再见！",
)
BARE_CLOSINGS = ("好的。", "嗯。", "行。")
_GREETING_PREFIX = re.compile(r"^(您好|你好|亲|阿姨您好|阿姨)[，,！!。 ]*")


@dataclass(frozen=True)
class Run:
    """A simulated practice: the transcript and where the customer ended."""

    transcript: list[Line]
    node: str
    kind: str  # goal | end | talk (stopped by the turn cap)
    finished_at: datetime


def _reply(scenario: Scenario, node_id: str, lapse: float, rng: random.Random) -> str:
    node = scenario.node(node_id)
    good = [e for r in node.routes if r.good for e in r.examples]
    bad = [e for r in node.routes if r.good is False for e in r.examples]
    if good and rng.random() >= lapse:
        return rng.choice(good)
    if bad and rng.random() < 0.6:
        return rng.choice(bad)
    return rng.choice(VAGUE)


def simulate(
    scenario: Scenario, lapse: float, rng: random.Random, start: datetime, seed: int = 0
) -> Run:
    """One practice by a trainee who lapses with probability `lapse` (0 … 1)."""
    first = opening(scenario, seed)
    at = start
    transcript = [Line("customer", first.text or "", at, first.node, first.route)]
    step: Step = first
    replies = 0
    while step.kind == TALK and replies < scenario.max_turns + 2:
        text = _reply(scenario, step.node, lapse, rng)
        if replies == 0:
            text = _GREETING_PREFIX.sub("", text)
            if rng.random() >= lapse * 1.2:
                text = rng.choice(CONFIRM) + text
            if rng.random() >= lapse * 1.2:
                text = rng.choice(GREETINGS) + text
        # Reading and typing: a first answer within 30 s, later ones within a minute,
        # unless the trainee lapses (looks things up, hesitates).
        if replies == 0:
            delay = rng.uniform(35, 80) if rng.random() < lapse * 1.2 else rng.uniform(8, 26)
        else:
            delay = rng.uniform(65, 130) if rng.random() < lapse * 0.5 else rng.uniform(10, 50)
        at += timedelta(seconds=delay)
        transcript.append(Line("agent", text, at))
        replies += 1
        step = respond(scenario, transcript, seed)
        if step.text is not None:
            at += timedelta(seconds=rng.uniform(1.0, 2.0))
            transcript.append(Line("customer", step.text, at, step.node, step.route))
    if step.kind == GOAL:
        at += timedelta(seconds=rng.uniform(6, 20))
        closing = rng.choice(BARE_CLOSINGS if rng.random() < lapse * 1.3 else CLOSINGS)
        transcript.append(Line("agent", closing, at))
    kind = step.kind if step.kind in (GOAL, END) else TALK
    return Run(transcript, step.node, kind, at)


def lapse_in_week(
    week: int, start: float = 0.82, floor: float = 0.08, half_life: float = 1.2
) -> float:
    """The demo's learning curve: a new hire's lapse probability in week `week` since hire
    (halving every `half_life` weeks towards `floor`)."""
    return floor + (start - floor) * 0.5 ** ((week - 1) / half_life)
