"""Simulated customers (模拟客户): a practice scenario is a small dialogue graph.

Pure Python (no Django): the practice pages, the API, the demo and the benchmark call it.
Format and semantics: docs/training-practice.md. In short:

    code: logistics-delay
    title: 物流延迟
    goal: 查明原因，给出明确的发货时间和补偿方案
    start: open
    max_turns: 8            # the agent's replies before the customer gives up
    timeout: left           # the end node reached then (default: the first end node)
    nodes:
      open:
        say: [我的订单怎么还没发货？, 下单三天了还没发货，怎么回事？]   # variants
        again: [我再问一遍，到底什么时候发货？]                          # when repeated
        routes:                                                     # first match wins
          - {to: angry, qa: {must_not_say: {lexicon: forbidden, role: agent, position: last}}}
          - {to: details, keywords: [[抱歉, 不好意思], [订单号, 单号]], good: true}
          - {to: details, regex: '\\d{6,}'}
        otherwise: open       # no route matched: the customer repeats, gets impatient…
      resolved: {goal: true, say: [好的，谢谢。]}
      left: {end: true, say: [算了，我去投诉。]}

- A node says one of its lines, chosen by the practice's seed (deterministic: the same
  seed, node and visit always give the same line); a node said before says an `again`
  line when it has some.
- A route holds when all of its tests hold: `keywords` (a list of words, any of which is
  in the agent's reply; or a list of such lists, each of which must match), `regex`
  (searched in the reply, case-insensitive), `qa` (a condition of the QA rule language,
  docs/qa-rules.md, evaluated on the transcript so far: the agent's latest reply is its
  last message). The first route that holds is taken, else `otherwise`.
- A `goal` node is the resolved outcome; an `end` node the customer leaving unresolved
  (or escalating). After `max_turns` agent replies, a reply that leads to a talk node
  leads to `timeout` instead.
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any

from kefu.interactions.core.native import (
    ConversationRecord,
    CustomerRecord,
    MessageRecord,
    gettext_noop,  # marks reasons for makemessages (translated by the Django shell)
)
from kefu.qa.core.conditions import Condition, compile_condition
from kefu.qa.core.engine import view_of
from kefu.qa.core.errors import DefinitionError
from kefu.qa.core.lexicons import LexiconSet, parse_lexicons
from kefu.qa.core.view import ConversationView, SentimentFn

TALK, GOAL, END = "talk", "goal", "end"
CHANNELS = ("chat", "app", "email")  # text channels: a practice is typed
MAX_TURNS_LIMIT = 50
DEFAULT_MAX_TURNS = 10
MAX_LINE = 500  # characters of a customer line
_CODE = re.compile(r"^[a-z0-9][a-z0-9-]{1,63}$")
_NODE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
SCENARIO_KEYS = frozenset(
    {
        "code",
        "title",
        "area",
        "channel",
        "category",
        "goal",
        "brief",
        "persona",
        "start",
        "max_turns",
        "timeout",
        "nodes",
        "description",
    }
)
NODE_KEYS = frozenset(
    {"say", "again", "routes", "otherwise", "otherwise_note", "goal", "end", "note"}
)
ROUTE_KEYS = frozenset({"to", "keywords", "regex", "qa", "note", "good", "example"})


# --- errors -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Problem:
    """One thing wrong with a scenario: where (the node and field) and why. `reason` is
    an English template (the msgid the Django shell translates, kefu.training.
    practice_pages.problem_reason) filled with `params`; `text` is it in English."""

    where: str
    reason: str
    params: Mapping[str, Any] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return self.reason % dict(self.params) if self.params else self.reason

    def __str__(self) -> str:
        return f"{self.where}: {self.text}"


class ScenarioError(ValueError):
    """A scenario that cannot be used, with every problem found (never half-saved)."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(map(str, self.problems)))


# --- the compiled graph -----------------------------------------------------------------
@dataclass(frozen=True)
class Route:
    index: int
    to: str
    keywords: tuple[tuple[str, ...], ...] = ()  # every group must have a word in the reply
    regex: re.Pattern[str] | None = None
    qa: Condition | None = None
    note: str = ""
    good: bool | None = None
    examples: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return f"routes[{self.index}]"

    def holds(self, reply: str, view: Callable[[], ConversationView]) -> bool:
        folded = fold(reply)
        for group in self.keywords:
            if not any(word in folded for word in group):
                return False
        if self.regex is not None and self.regex.search(reply) is None:
            return False
        return self.qa is None or self.qa.evaluate(view()) is not None


@dataclass(frozen=True)
class Node:
    id: str
    kind: str  # talk | goal | end
    say: tuple[str, ...]
    again: tuple[str, ...] = ()
    routes: tuple[Route, ...] = ()
    otherwise: str | None = None
    otherwise_note: str = ""
    note: str = ""

    @property
    def terminal(self) -> bool:
        return self.kind != TALK


@dataclass(frozen=True)
class Scenario:
    code: str
    title: str
    goal: str
    start: str
    timeout: str
    max_turns: int
    nodes: Mapping[str, Node]
    channel: str = "chat"
    area: str = ""
    category: tuple[str, ...] = ()
    brief: str = ""
    persona: str = ""
    lexicons: LexiconSet | None = None
    sentiment: SentimentFn | None = None
    definition: Mapping[str, Any] = field(default_factory=dict)

    def node(self, node_id: str) -> Node:
        return self.nodes[node_id]


# --- the transcript -----------------------------------------------------------------------
@dataclass(frozen=True)
class Line:
    """One message of a practice. Customer lines name the node that said them and the way
    there: `start`, `<node>.routes[i]`, `<node>.otherwise` or `max_turns`."""

    role: str  # customer | agent
    text: str
    at: datetime
    node: str = ""
    route: str = ""

    def as_data(self) -> dict[str, Any]:
        out: dict[str, Any] = {"role": self.role, "text": self.text, "at": self.at.isoformat()}
        if self.node:
            out["node"] = self.node
        if self.route:
            out["route"] = self.route
        return out

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Line:
        return cls(
            role=data["role"],
            text=data["text"],
            at=datetime.fromisoformat(data["at"]),
            node=data.get("node", ""),
            route=data.get("route", ""),
        )


@dataclass(frozen=True)
class Step:
    """What the customer does after a reply: the node reached, how, and the line said
    (None: a terminal node already reached says nothing more)."""

    node: str
    kind: str
    text: str | None
    route: str
    note: str = ""

    @property
    def finished(self) -> bool:
        """The conversation is over for the customer: they left (end). A goal reached
        leaves the agent a closing word; the agent then finishes."""
        return self.kind == END


def fold(text: str) -> str:
    """Case- and width-folded text for keyword matching (ＡＢＣ → abc, ？→ ?)."""
    return unicodedata.normalize("NFKC", text).lower()


# --- parsing and validation ------------------------------------------------------------------
@cache
def default_lexicons() -> LexiconSet:
    from kefu.qa.core.defaults import default_lexicons as shipped

    return LexiconSet(parse_lexicons(shipped()))


def _lines(value: Any, where: str, problems: list[Problem], *, required: bool) -> tuple[str, ...]:
    if value is None:
        if required:
            problems.append(
                Problem(where, gettext_noop("is required (one line or a list of variants)"))
            )
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or (required and not value):
        problems.append(Problem(where, gettext_noop("must be a line or a non-empty list of lines")))
        return ()
    out = []
    for i, line in enumerate(value):
        if not isinstance(line, str) or not line.strip():
            problems.append(Problem(f"{where}[{i}]", gettext_noop("must be a non-empty string")))
        elif len(line) > MAX_LINE:
            problems.append(
                Problem(
                    f"{where}[{i}]",
                    gettext_noop("is longer than %(max)s characters"),
                    {"max": MAX_LINE},
                )
            )
        else:
            out.append(line.strip())
    return tuple(out)


def _text(data: Mapping[str, Any], key: str, problems: list[Problem], *, required: bool) -> str:
    value = data.get(key)
    if value is None or value == "":
        if required:
            problems.append(Problem(key, gettext_noop("is required")))
        return ""
    if not isinstance(value, str):
        problems.append(Problem(key, gettext_noop("must be a string")))
        return ""
    return value.strip()


def _keywords(value: Any, where: str, problems: list[Problem]) -> tuple[tuple[str, ...], ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not value:
        problems.append(
            Problem(where, gettext_noop("must be a list of words, or a list of such lists"))
        )
        return ()
    groups = value if all(isinstance(v, list) for v in value) else [value]
    out = []
    for g, group in enumerate(groups):
        spot = f"{where}[{g}]" if groups is value else where
        # A number written bare in YAML (602, 198) is a word too.
        words = [
            str(w) if isinstance(w, int | float) and not isinstance(w, bool) else w for w in group
        ]
        if not words or not all(isinstance(w, str) and w.strip() for w in words):
            problems.append(
                Problem(spot, gettext_noop("must be a non-empty list of non-empty words"))
            )
            continue
        out.append(tuple(dict.fromkeys(fold(w.strip()) for w in words)))
    return tuple(out)


def _route(
    raw: Any, where: str, lexicons: LexiconSet, index: int, problems: list[Problem]
) -> Route | None:
    if not isinstance(raw, Mapping):
        problems.append(Problem(where, gettext_noop("must be a mapping with `to` and a test")))
        return None
    unknown = sorted(map(str, set(raw) - ROUTE_KEYS))
    for key in unknown:
        problems.append(
            Problem(
                f"{where}.{key}",
                gettext_noop("unknown key (known: %(known)s)"),
                {"known": ", ".join(sorted(ROUTE_KEYS))},
            )
        )
    before = len(problems)
    target = raw.get("to")
    if not isinstance(target, str) or not target:
        problems.append(
            Problem(f"{where}.to", gettext_noop("is required (the node the reply leads to)"))
        )
    if not any(raw.get(k) is not None for k in ("keywords", "regex", "qa")):
        problems.append(Problem(where, gettext_noop("needs a test: keywords, regex or qa")))
    keywords = _keywords(raw.get("keywords"), f"{where}.keywords", problems)
    pattern = None
    if raw.get("regex") is not None:
        if not isinstance(raw["regex"], str) or not raw["regex"]:
            problems.append(Problem(f"{where}.regex", gettext_noop("must be a regular expression")))
        else:
            try:
                pattern = re.compile(raw["regex"], re.IGNORECASE)
            except re.error as exc:
                problems.append(
                    Problem(
                        f"{where}.regex",
                        gettext_noop("not a valid regular expression: %(error)s"),
                        {"error": str(exc)},
                    )
                )
    condition = None
    if raw.get("qa") is not None:
        try:
            condition = compile_condition(raw["qa"], f"{where}.qa", lexicons)
        except DefinitionError as exc:
            problems.append(Problem(exc.where, exc.reason))
    good = raw.get("good")
    if good is not None and not isinstance(good, bool):
        problems.append(Problem(f"{where}.good", gettext_noop("must be true or false")))
    note = raw.get("note", "")
    if not isinstance(note, str):
        problems.append(Problem(f"{where}.note", gettext_noop("must be a string")))
    examples = _lines(raw.get("example"), f"{where}.example", problems, required=False)
    if len(problems) > before:
        return None
    return Route(index, str(target), keywords, pattern, condition, note.strip(), good, examples)


def _node(node_id: Any, raw: Any, lexicons: LexiconSet, problems: list[Problem]) -> Node | None:
    where = f"node {node_id}"
    if not isinstance(node_id, str) or not _NODE.match(node_id):
        problems.append(
            Problem(where, gettext_noop("node ids are a–z, 0–9 and _, starting with a letter"))
        )
        return None
    if not isinstance(raw, Mapping):
        problems.append(
            Problem(where, gettext_noop("must be a mapping (say, routes, otherwise, …)"))
        )
        return None
    for key in sorted(map(str, set(raw) - NODE_KEYS)):
        problems.append(
            Problem(
                f"{where}: {key}",
                gettext_noop("unknown key (known: %(known)s)"),
                {"known": ", ".join(sorted(NODE_KEYS))},
            )
        )
    goal, end = raw.get("goal", False), raw.get("end", False)
    if not isinstance(goal, bool) or not isinstance(end, bool):
        problems.append(Problem(f"{where}: goal", gettext_noop("goal and end are true or false")))
        return None
    if goal and end:
        problems.append(
            Problem(f"{where}: end", gettext_noop("a node is a goal or an end, not both"))
        )
    kind = GOAL if goal else END if end else TALK
    say = _lines(raw.get("say"), f"{where}: say", problems, required=True)
    again = _lines(raw.get("again"), f"{where}: again", problems, required=False)
    note = raw.get("note", "")
    if not isinstance(note, str):
        problems.append(Problem(f"{where}: note", gettext_noop("must be a string")))
        note = ""
    otherwise_note = raw.get("otherwise_note", "")
    if not isinstance(otherwise_note, str):
        problems.append(Problem(f"{where}: otherwise_note", gettext_noop("must be a string")))
        otherwise_note = ""
    if kind != TALK:
        for key in ("routes", "otherwise"):
            if raw.get(key):
                problems.append(
                    Problem(
                        f"{where}: {key}",
                        gettext_noop("a %(kind)s node ends the dialogue: no %(key)s"),
                        {"kind": kind, "key": key},
                    )
                )
        return Node(node_id, kind, say, again, note=note.strip())
    raw_routes = raw.get("routes") or []
    if not isinstance(raw_routes, list):
        problems.append(Problem(f"{where}: routes", gettext_noop("must be a list of routes")))
        raw_routes = []
    routes = []
    for i, r in enumerate(raw_routes):
        route = _route(r, f"{where}: routes[{i}]", lexicons, i, problems)
        if route is not None:
            routes.append(route)
    otherwise = raw.get("otherwise")
    if not isinstance(otherwise, str) or not otherwise:
        problems.append(
            Problem(
                f"{where}: otherwise",
                gettext_noop(
                    "is required: the node a reply no route matches leads to (the customer "
                    "repeats, gets impatient or escalates)"
                ),
            )
        )
        otherwise = None
    return Node(
        node_id, kind, say, again, tuple(routes), otherwise, otherwise_note.strip(), note.strip()
    )


def validate(data: Any, lexicons: LexiconSet | None = None) -> list[Problem]:
    """Every problem of a scenario definition (empty: it can be used)."""
    try:
        parse_scenario(data, lexicons)
    except ScenarioError as exc:
        return exc.problems
    return []


def parse_scenario(
    data: Any, lexicons: LexiconSet | None = None, sentiment: SentimentFn | None = None
) -> Scenario:
    """A scenario from its data form (parsed YAML/JSON); ScenarioError lists every problem.
    `lexicons`: those QA conditions name (default: the shipped ones)."""
    lexicons = lexicons if lexicons is not None else default_lexicons()
    problems: list[Problem] = []
    if not isinstance(data, Mapping):
        raise ScenarioError(
            [Problem("scenario", gettext_noop("must be a mapping (code, title, nodes, …)"))]
        )
    for key in sorted(map(str, set(data) - SCENARIO_KEYS)):
        problems.append(
            Problem(
                key,
                gettext_noop("unknown key (known: %(known)s)"),
                {"known": ", ".join(sorted(SCENARIO_KEYS))},
            )
        )
    code = data.get("code")
    if not isinstance(code, str) or not _CODE.match(code):
        problems.append(Problem("code", gettext_noop("a–z, 0–9 and -, 2–64 characters")))
        code = ""
    title = _text(data, "title", problems, required=True)
    goal = _text(data, "goal", problems, required=True)
    brief = _text(data, "brief", problems, required=False)
    persona = _text(data, "persona", problems, required=False)
    area = _text(data, "area", problems, required=False)
    _text(data, "description", problems, required=False)
    channel = data.get("channel", "chat")
    if channel not in CHANNELS:
        problems.append(
            Problem(
                "channel",
                gettext_noop("must be one of %(choices)s"),
                {"choices": ", ".join(CHANNELS)},
            )
        )
        channel = "chat"
    category = data.get("category") or []
    if (
        not isinstance(category, list)
        or len(category) > 3
        or not all(isinstance(c, str) and c.strip() and len(c) <= 50 for c in category)
    ):
        problems.append(
            Problem("category", gettext_noop("up to 3 levels (scene, problem, cause) as strings"))
        )
        category = []
    max_turns = data.get("max_turns", DEFAULT_MAX_TURNS)
    if (
        isinstance(max_turns, bool)
        or not isinstance(max_turns, int)
        or not (1 <= max_turns <= MAX_TURNS_LIMIT)
    ):
        problems.append(
            Problem(
                "max_turns",
                gettext_noop("a whole number from 1 to %(max)s"),
                {"max": MAX_TURNS_LIMIT},
            )
        )
        max_turns = DEFAULT_MAX_TURNS
    raw_nodes = data.get("nodes")
    nodes: dict[str, Node] = {}
    if not isinstance(raw_nodes, Mapping) or not raw_nodes:
        problems.append(
            Problem("nodes", gettext_noop("must be a non-empty mapping of node id → node"))
        )
        raw_nodes = {}
    for node_id, raw in raw_nodes.items():
        node = _node(node_id, raw, lexicons, problems)
        if node is not None:
            nodes[node.id] = node
    start = data.get("start")
    if not isinstance(start, str) or start not in raw_nodes:
        problems.append(
            Problem(
                "start", gettext_noop("must name a node, got %(value)s"), {"value": repr(start)}
            )
        )
        start = ""
    elif start in nodes and nodes[start].terminal:
        problems.append(
            Problem("start", gettext_noop("must be a talk node (not a goal or an end)"))
        )
    ends = [n.id for n in nodes.values() if n.kind == END]
    timeout = data.get("timeout", ends[0] if ends else None)
    if timeout is None:
        problems.append(
            Problem(
                "nodes", gettext_noop("no end node: add one (`end: true`) the customer leaves by")
            )
        )
    elif not isinstance(timeout, str) or timeout not in raw_nodes:
        problems.append(
            Problem(
                "timeout",
                gettext_noop("must name an end node, got %(value)s"),
                {"value": repr(timeout)},
            )
        )
    elif timeout in nodes and nodes[timeout].kind != END:
        problems.append(
            Problem("timeout", gettext_noop("node %(node)s is not an end node"), {"node": timeout})
        )
    if not any(n.kind == GOAL for n in nodes.values()) and raw_nodes:
        problems.append(
            Problem(
                "nodes", gettext_noop("no goal node: add one (`goal: true`), the resolved outcome")
            )
        )
    # Targets, reachability, a way out of every node.
    for node in nodes.values():
        for route in node.routes:
            if route.to not in raw_nodes:
                problems.append(
                    Problem(
                        f"node {node.id}: {route.label}.to",
                        gettext_noop("no node named %(name)s"),
                        {"name": repr(route.to)},
                    )
                )
        if node.otherwise is not None and node.otherwise not in raw_nodes:
            problems.append(
                Problem(
                    f"node {node.id}: otherwise",
                    gettext_noop("no node named %(name)s"),
                    {"name": repr(node.otherwise)},
                )
            )
    if start in nodes and not problems:
        # The timeout node is reached from any talk node (after max_turns replies).
        reachable = _reachable(nodes, start) | ({str(timeout)} if timeout in nodes else set())
        for node_id in nodes:
            if node_id not in reachable:
                problems.append(
                    Problem(
                        f"node {node_id}",
                        gettext_noop("unreachable from the start node %(start)s"),
                        {"start": repr(start)},
                    )
                )
        leads_out = _reaching_terminal(nodes)
        for node_id in nodes:
            if node_id in reachable and node_id not in leads_out:
                problems.append(
                    Problem(
                        f"node {node_id}", gettext_noop("no way from here to a goal or an end node")
                    )
                )
    if problems:
        raise ScenarioError(problems)
    return Scenario(
        code=code,
        title=title,
        goal=goal,
        start=start,
        timeout=str(timeout),
        max_turns=max_turns,
        nodes=nodes,
        channel=channel,
        area=area,
        category=tuple(c.strip() for c in category),
        brief=brief,
        persona=persona,
        lexicons=lexicons,
        sentiment=sentiment,
        definition=dict(data),
    )


def _targets(node: Node) -> list[str]:
    out = [r.to for r in node.routes]
    if node.otherwise:
        out.append(node.otherwise)
    return out


def _reachable(nodes: Mapping[str, Node], start: str) -> set[str]:
    seen, todo = {start}, [start]
    while todo:
        for target in _targets(nodes[todo.pop()]):
            if target in nodes and target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def _reaching_terminal(nodes: Mapping[str, Node]) -> set[str]:
    """Nodes from which some path reaches a goal or an end node."""
    found = {n.id for n in nodes.values() if n.terminal}
    changed = True
    while changed:
        changed = False
        for node in nodes.values():
            if node.id not in found and any(t in found for t in _targets(node)):
                found.add(node.id)
                changed = True
    return found


# --- running a dialogue -----------------------------------------------------------------------
def pick(lines: Sequence[str], seed: int, node: str, visit: int) -> str:
    """The variant said: fixed by (seed, node, visit), stable across processes."""
    digest = zlib.crc32(f"{seed}|{node}|{visit}".encode())
    return lines[digest % len(lines)]


def _say(node: Node, seed: int, visit: int) -> str:
    lines = node.again if visit and node.again else node.say
    return pick(lines, seed, node.id, visit)


def opening(scenario: Scenario, seed: int) -> Step:
    """The customer's first message."""
    node = scenario.node(scenario.start)
    return Step(node.id, node.kind, _say(node, seed, 0), "start", node.note)


def current_node(scenario: Scenario, transcript: Sequence[Line]) -> str:
    """The node of the customer's last line (the start before any)."""
    for line in reversed(transcript):
        if line.role == "customer" and line.node:
            return line.node
    return scenario.start


def agent_turns(transcript: Iterable[Line]) -> int:
    return sum(1 for line in transcript if line.role == "agent")


def transcript_record(
    scenario: Scenario,
    transcript: Sequence[Line],
    *,
    conversation_id: str = "practice",
    agent: str | None = "trainee",
    customer: str | None = None,
    resolved_at: datetime | None = None,
    closed_at: datetime | None = None,
) -> ConversationRecord:
    """The transcript as a native conversation record (the QA engine's input, and what
    `kefu qa score` reads from the exported JSONL). Messages are m1, m2, … in order."""
    if not transcript:
        raise ValueError("a transcript has at least the customer's first line")
    created = transcript[0].at
    messages = [
        MessageRecord(
            id=f"m{i}",
            role=line.role,
            at=line.at,
            text=line.text,
            agent=agent if line.role == "agent" else None,
        )
        for i, line in enumerate(transcript, start=1)
    ]
    status = "resolved" if resolved_at is not None else "closed" if closed_at else "open"
    return ConversationRecord(
        id=conversation_id,
        channel=scenario.channel,
        customer=CustomerRecord(id=customer or f"SIM-{scenario.code}"[:64]),
        created_at=created,
        messages=messages,
        agent=agent,
        resolved_at=resolved_at,
        closed_at=closed_at,
        status=status,
        category=list(scenario.category),
    )


def respond(scenario: Scenario, transcript: Sequence[Line], seed: int) -> Step:
    """The customer's answer to the agent's reply, the last line of `transcript`.

    The routes of the current node are tried in order on that reply (QA conditions on the
    whole transcript); none holds: `otherwise`. Past `max_turns` replies, a talk node
    reached becomes the timeout (the customer gives up). At a terminal node the customer
    says nothing more."""
    if not transcript or transcript[-1].role != "agent":
        raise ValueError("the transcript must end with the agent's reply")
    here = scenario.node(current_node(scenario, transcript))
    if here.terminal:
        return Step(here.id, here.kind, None, "", "")
    reply = transcript[-1].text
    cached: list[ConversationView] = []

    def view() -> ConversationView:
        if not cached:
            record = transcript_record(scenario, transcript)
            lexicons = scenario.lexicons or default_lexicons()
            cached.append(view_of(record, lexicons, scenario.sentiment or _sentiment()))
        return cached[0]

    target, how, note = here.otherwise or here.id, f"{here.id}.otherwise", here.otherwise_note
    for route in here.routes:
        if route.holds(reply, view):
            target, how, note = route.to, f"{here.id}.{route.label}", route.note
            break
    node = scenario.node(target)
    if node.kind == TALK and agent_turns(transcript) >= scenario.max_turns:
        node, how, note = scenario.node(scenario.timeout), "max_turns", ""
    visit = sum(1 for line in transcript if line.role == "customer" and line.node == node.id)
    return Step(node.id, node.kind, _say(node, seed, visit), how, note or node.note)


@cache
def _sentiment() -> SentimentFn:
    from kefu.qa.core.defaults import default_sentiment

    return default_sentiment()


def route_of(scenario: Scenario, label: str) -> Route | None:
    """The route a customer line names (`open.routes[1]`); None for `start`, `max_turns`
    and `….otherwise`."""
    match = re.fullmatch(r"([a-z][a-z0-9_]*)\.routes\[(\d+)\]", label)
    node = scenario.nodes.get(match.group(1)) if match else None
    if match is None or node is None:
        return None
    index = int(match.group(2))
    return node.routes[index] if index < len(node.routes) else None
