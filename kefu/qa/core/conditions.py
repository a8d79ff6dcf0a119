"""The rule language's operators (see docs/qa-rules.md).

A condition is written as a one-key mapping, ``{operator: {params}}``; combinators
``all`` / ``any`` take a list of conditions and ``not`` one. Evaluating a condition on a
conversation gives None (it does not hold) or a list of findings: (message ids, evidence)
— the messages it rests on and what triggered it (words, timings). A condition that
holds for the conversation as a whole (metadata, survey, ``not``) holds with no finding.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from kefu.interactions.core.facts import span_seconds
from kefu.qa.core.errors import DefinitionError
from kefu.qa.core.lexicons import Lexicon, LexiconSet
from kefu.qa.core.view import ConversationView, MessageView, normalise

Finding = tuple[tuple[str, ...], str]
Result = list[Finding] | None

ROLES = ("agent", "customer", "bot", "system", "any")
POSITIONS = ("first", "last", "any")
_ROLE_LABELS = {"agent": "客服", "customer": "客户", "bot": "机器人", "system": "系统"}
_QUESTION = re.compile(r"[?？]|吗|呢|怎么|什么|为什么|为啥|哪|几|多久|能不能|可不可以|是不是")


class Condition:
    name = ""
    spec: Mapping[str, Param] = {}

    def __init__(self, p: dict[str, Any], where: str, lexicons: LexiconSet) -> None:
        """`p`: the checked parameters of `spec`; `where`: the definition's path."""

    def evaluate(self, view: ConversationView) -> Result:
        raise NotImplementedError

    def needs_sentiment(self) -> bool:
        return False


# --- parameter checking -----------------------------------------------------------------
@dataclass(frozen=True)
class Param:
    kind: type | tuple[type, ...]
    default: Any = None
    required: bool = False
    choices: tuple | None = None
    minimum: float | None = None


def _params(name: str, raw: Any, spec: Mapping[str, Param], where: str) -> dict[str, Any]:
    if raw is None:
        raw = {}
    if not isinstance(raw, Mapping):
        raise DefinitionError(where, f"'{name}' takes a mapping of parameters")
    unknown = set(raw) - set(spec)
    if unknown:
        allowed = ", ".join(spec)
        raise DefinitionError(
            f"{where}.{sorted(map(str, unknown))[0]}",
            f"unknown parameter of '{name}' (it takes: {allowed})",
        )
    out: dict[str, Any] = {}
    for key, p in spec.items():
        spot = f"{where}.{key}"
        if key not in raw or raw[key] is None:
            if p.required:
                raise DefinitionError(spot, "is required")
            out[key] = p.default
            continue
        value = raw[key]
        kinds = p.kind if isinstance(p.kind, tuple) else (p.kind,)
        if float in kinds and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            names = " or ".join(k.__name__ for k in kinds)
            raise DefinitionError(spot, f"must be {names}, got {value!r}")
        if p.choices is not None and value not in p.choices:
            raise DefinitionError(spot, f"must be one of {', '.join(p.choices)}, got {value!r}")
        if p.minimum is not None and isinstance(value, int | float) and value < p.minimum:
            raise DefinitionError(spot, f"must be ≥ {p.minimum:g}, got {value!r}")
        out[key] = value
    return out


ROLE = Param(str, "any", choices=ROLES)
POSITION = Param(str, "any", choices=POSITIONS)


def _select(view: ConversationView, role: str, position: str) -> list[MessageView]:
    chosen = view.role(role)
    if not chosen or position == "any":
        return chosen
    return [chosen[0] if position == "first" else chosen[-1]]


def _seconds(value: float) -> str:
    return f"{value:.0f} 秒" if value < 600 else f"{value / 60:.1f} 分钟"


# --- text ---------------------------------------------------------------------------------
class _TextMatch(Condition):
    """Shared by keywords and regex: which selected messages match, and how often."""

    def __init__(self, p: dict[str, Any]) -> None:
        self.role, self.position = p["role"], p["position"]
        self.min_count, self.absent = p["min_count"], p["absent"]

    def matches(self, message: MessageView) -> list[str]:
        raise NotImplementedError

    def describe_missing(self) -> str:
        raise NotImplementedError

    def evaluate(self, view: ConversationView) -> Result:
        selected = _select(view, self.role, self.position)
        found = [(m, self.matches(m)) for m in selected]
        found = [(m, words) for m, words in found if words]
        if self.absent:
            if not selected or found:
                return None
            # Missing from the first or last message: that message. Missing from every
            # message: the conversation as a whole (marking each one would only be noise).
            ids = tuple(m.id for m in selected) if self.position != "any" else ()
            return [(ids, self.describe_missing())]
        if sum(len(words) for _, words in found) < max(1, self.min_count):
            return None
        return [((m.id,), "出现: " + "、".join(dict.fromkeys(words))) for m, words in found]


class Keywords(_TextMatch):
    """Words of a lexicon (or listed inline) in the selected messages."""

    name = "keywords"
    spec = {
        "lexicon": Param(str),
        "words": Param(list),
        "role": ROLE,
        "position": POSITION,
        "min_count": Param(int, 1, minimum=1),
        "absent": Param(bool, False),
    }

    def __init__(self, p: dict[str, Any], where: str, lexicons: LexiconSet) -> None:
        super().__init__(p)
        if bool(p["lexicon"]) == bool(p["words"]):
            raise DefinitionError(where, "give either 'lexicon' (a name) or 'words' (a list)")
        if p["lexicon"]:
            if p["lexicon"] not in lexicons:
                raise DefinitionError(f"{where}.lexicon", f"no lexicon named {p['lexicon']!r}")
            self.lexicon = p["lexicon"]
            self.preview = lexicons.lexicons[self.lexicon].preview()
            self.inline: LexiconSet | None = None
        else:
            words = p["words"]
            if not all(isinstance(w, str) and w.strip() for w in words):
                raise DefinitionError(f"{where}.words", "must be a list of non-empty strings")
            self.lexicon = "_inline"
            lexicon = Lexicon("_inline", tuple(w.strip() for w in words))
            self.inline = LexiconSet({"_inline": lexicon})
            self.preview = lexicon.preview()

    def matches(self, message: MessageView) -> list[str]:
        if self.inline is not None:
            found = message.matches.get(self)
            if found is None:
                found = message.matches[self] = self.inline.find(message.text).get("_inline", [])
            return found
        return message.words.get(self.lexicon, [])

    def describe_missing(self) -> str:
        return f"缺少: {self.preview}"


class Regex(_TextMatch):
    name = "regex"
    spec = {
        "pattern": Param(str, required=True),
        "role": ROLE,
        "position": POSITION,
        "min_count": Param(int, 1, minimum=1),
        "absent": Param(bool, False),
        "label": Param(str, ""),
    }

    def __init__(self, p: dict[str, Any], where: str, lexicons: LexiconSet) -> None:
        super().__init__(p)
        try:
            self.pattern = re.compile(p["pattern"], re.IGNORECASE)
        except re.error as exc:
            raise DefinitionError(
                f"{where}.pattern", f"not a valid regular expression: {exc}"
            ) from exc
        self.label = p["label"] or p["pattern"]

    def matches(self, message: MessageView) -> list[str]:
        found = message.matches.get(self)  # cached: a live session re-evaluates often
        if found is None:
            found = message.matches[self] = [
                m.group(0) for m in self.pattern.finditer(message.text)
            ]
        return found

    def describe_missing(self) -> str:
        return f"缺少: {self.label}"


# --- timing -------------------------------------------------------------------------------
def _waits(view: ConversationView) -> list[tuple[MessageView, MessageView, float]]:
    """(first unanswered customer message, the agent message that answered it, seconds)."""
    waits = []
    waiting: MessageView | None = None
    for m in view.messages:
        if m.role == "customer" and waiting is None:
            waiting = m
        elif m.role == "agent" and waiting is not None:
            waits.append((waiting, m, (m.at - waiting.at).total_seconds()))
            waiting = None
    return waits


TARGET = Param(str, "", choices=("", "sla"))


def _threshold(view: ConversationView, over_s: float, target: str, figure: str) -> float:
    """over_s, or with `target: sla` the conversation's service-level target for the
    figure ("first_response_s" or "next_response_s") when its policy sets one."""
    if target == "sla" and view.sla is not None:
        value = getattr(view.sla, figure)
        if value is not None:
            return value
    return over_s


def _elapsed(view: ConversationView, target: str, start: MessageView, end: MessageView) -> float:
    """The wait as the policy measures it (business time if it says so), else calendar."""
    if target == "sla" and view.sla is not None:
        return view.sla.elapsed(start.at, end.at)
    return (end.at - start.at).total_seconds()


class FirstResponse(Condition):
    """First customer message → first agent message after it (bots do not count).
    `target: sla`: judged against the service-level policy's first-response target (and
    its time measure) instead of over_s, which stays the fallback."""

    name = "first_response"
    spec = {"over_s": Param(float, required=True, minimum=0), "target": TARGET}

    def __init__(self, p: dict[str, Any], where: str, lexicons: LexiconSet) -> None:
        self.over_s, self.target = p["over_s"], p["target"]

    def evaluate(self, view: ConversationView) -> Result:
        waits = _waits(view)
        customers = view.role("customer")
        first_customer = customers[0] if customers else None
        if not waits or waits[0][0] is not first_customer:
            return None
        customer, agent, seconds = waits[0]
        limit = _threshold(view, self.over_s, self.target, "first_response_s")
        if _elapsed(view, self.target, customer, agent) <= limit:
            return None
        return [((customer.id, agent.id), f"首次响应 {_seconds(seconds)}")]


class ResponseGap(Condition):
    """A customer message waited longer than over_s for the next agent message.
    skip_first leaves out the wait for the first response (first_response covers it).
    `target: sla`: judged against the policy's next-response target instead of over_s."""

    name = "response_gap"
    spec = {
        "over_s": Param(float, required=True, minimum=0),
        "skip_first": Param(bool, False),
        "target": TARGET,
    }

    def __init__(self, p: dict[str, Any], where: str, lexicons: LexiconSet) -> None:
        self.over_s, self.skip_first, self.target = p["over_s"], p["skip_first"], p["target"]

    def evaluate(self, view: ConversationView) -> Result:
        waits = _waits(view)
        if self.skip_first and waits:
            customers = view.role("customer")
            if customers and waits[0][0] is customers[0]:
                waits = waits[1:]
        limit = _threshold(view, self.over_s, self.target, "next_response_s")
        found: list[Finding] = [
            ((c.id, a.id), f"等待 {_seconds(s)}")
            for c, a, s in waits
            if _elapsed(view, self.target, c, a) > limit
        ]
        return found or None


def handle_seconds(view: ConversationView) -> float | None:
    """The KPI's handle time (interactions.core.facts.span_seconds) of the messages so far."""
    return span_seconds(view.record.channel, view.messages)


class HandleTime(Condition):
    name = "handle_time"
    spec = {"over_s": Param(float, required=True, minimum=0)}

    def __init__(self, p: dict[str, Any], where: str, lexicons: LexiconSet) -> None:
        self.over_s = p["over_s"]

    def evaluate(self, view: ConversationView) -> Result:
        seconds = handle_seconds(view)
        if seconds is None or seconds <= self.over_s:
            return None
        return [((), f"处理时长 {_seconds(seconds)}")]


# --- sequences ----------------------------------------------------------------------------
class Consecutive(Condition):
    """A run of at least `min` messages of `role` with no `broken_by` message between."""

    name = "consecutive"
    spec = {
        "role": Param(str, "customer", choices=ROLES[:-1]),
        "min": Param(int, 3, minimum=2),
        "broken_by": Param(str, "agent", choices=ROLES[:-1]),
    }

    def __init__(self, p: dict[str, Any], where: str, lexicons: LexiconSet) -> None:
        self.role, self.min, self.broken_by = p["role"], p["min"], p["broken_by"]

    def evaluate(self, view: ConversationView) -> Result:
        runs, current = [], []
        for m in view.messages:
            if m.role == self.role:
                current.append(m)
            elif m.role == self.broken_by:
                runs.append(current)
                current = []
        runs.append(current)
        found = [
            (tuple(m.id for m in run), f"连续 {len(run)} 条消息未获回复")
            for run in runs
            if len(run) >= self.min
        ]
        return found or None


class ShortReplies(Condition):
    """At least `min_run` agent replies in a row of at most `max_chars` characters each
    (customer messages between them allowed), while the customer asks a question."""

    name = "short_replies"
    spec = {
        "max_chars": Param(int, 2, minimum=1),
        "min_run": Param(int, 3, minimum=2),
        "while_customer_asks": Param(bool, True),
    }

    def __init__(self, p: dict[str, Any], where: str, lexicons: LexiconSet) -> None:
        self.max_chars, self.min_run = p["max_chars"], p["min_run"]
        self.asks = p["while_customer_asks"]

    def evaluate(self, view: ConversationView) -> Result:
        found: list[Finding] = []
        run: list[MessageView] = []
        asked = False
        question_seen = False  # a customer question since the run began (or just before)

        def close() -> None:
            if len(run) >= self.min_run and (asked or not self.asks):
                texts = "、".join(dict.fromkeys(m.text.strip() for m in run))
                found.append((tuple(m.id for m in run), f"连续 {len(run)} 次简短回复: {texts}"))

        for m in view.messages:
            if m.role == "customer":
                question_seen = question_seen or bool(_QUESTION.search(m.text))
                if run:
                    asked = asked or bool(_QUESTION.search(m.text))
            elif m.role == "agent":
                if len(m.norm) <= self.max_chars:
                    if not run:
                        asked = question_seen
                    run.append(m)
                else:
                    close()
                    run, asked, question_seen = [], False, False
        close()
        return found or None


class RepeatedText(Condition):
    """The same sentence (containing a word of `lexicon`, if given) sent `min_count` times."""

    name = "repeated_text"
    spec = {
        "role": Param(str, "agent", choices=ROLES[:-1]),
        "lexicon": Param(str),
        "min_count": Param(int, 3, minimum=2),
    }
    _SENTENCES = re.compile(r"[。！？!?；;\n]+")

    def __init__(self, p: dict[str, Any], where: str, lexicons: LexiconSet) -> None:
        self.role, self.min_count = p["role"], p["min_count"]
        self.lexicon = p["lexicon"]
        if self.lexicon and self.lexicon not in lexicons:
            raise DefinitionError(f"{where}.lexicon", f"no lexicon named {self.lexicon!r}")
        self.lexicons = lexicons

    def evaluate(self, view: ConversationView) -> Result:
        seen: dict[str, list[MessageView]] = {}
        shown: dict[str, str] = {}
        for m in view.messages:
            if m.role != self.role or (self.lexicon and self.lexicon not in m.words):
                continue
            for sentence in self._SENTENCES.split(m.text):
                key = normalise(sentence)
                if len(key) < 2:
                    continue
                if self.lexicon and self.lexicon not in self.lexicons.find(sentence):
                    continue
                seen.setdefault(key, []).append(m)
                shown.setdefault(key, sentence.strip())
        found = [
            (tuple(dict.fromkeys(m.id for m in ms)), f"重复 {len(ms)} 次: {shown[key]}")
            for key, ms in seen.items()
            if len(ms) >= self.min_count
        ]
        return found or None


def _bigrams(text: str) -> frozenset[str]:
    return frozenset(text[i : i + 2] for i in range(len(text) - 1)) or frozenset((text,))


class SimilarMessages(Condition):
    """At least `min_count` messages of `role` that say essentially the same thing:
    character-bigram Jaccard similarity ≥ threshold with one another."""

    name = "similar_messages"
    spec = {
        "role": Param(str, "customer", choices=ROLES[:-1]),
        "threshold": Param(float, 0.5, minimum=0),
        "min_count": Param(int, 3, minimum=2),
        "min_chars": Param(int, 4, minimum=1),
    }

    def __init__(self, p: dict[str, Any], where: str, lexicons: LexiconSet) -> None:
        self.role, self.threshold = p["role"], p["threshold"]
        self.min_count, self.min_chars = p["min_count"], p["min_chars"]
        if self.threshold > 1:
            raise DefinitionError(f"{where}.threshold", "must be between 0 and 1")

    def evaluate(self, view: ConversationView) -> Result:
        messages = [m for m in view.role(self.role) if len(m.norm) >= self.min_chars]
        if len(messages) < self.min_count:
            return None
        grams = [_bigrams(m.norm) for m in messages]
        for i, gi in enumerate(grams):
            group = [messages[i]]
            for j in range(i + 1, len(messages)):
                gj = grams[j]
                if len(gi & gj) / len(gi | gj) >= self.threshold:
                    group.append(messages[j])
            if len(group) >= self.min_count:
                return [(tuple(m.id for m in group), f"相似提问 {len(group)} 次: {group[0].text}")]
        return None


# --- phone --------------------------------------------------------------------------------
def _segments(view: ConversationView) -> list[MessageView]:
    if view.record.channel != "phone":
        return []
    return [m for m in view.messages if m.start_s is not None]


def _start(segment: MessageView) -> float:
    """A segment's start (set: `_segments` keeps only timed messages)."""
    return segment.start_s or 0.0


class Silence(Condition):
    name = "silence"
    spec = {"over_s": Param(float, required=True, minimum=0)}

    def __init__(self, p: dict[str, Any], where: str, lexicons: LexiconSet) -> None:
        self.over_s = p["over_s"]

    def evaluate(self, view: ConversationView) -> Result:
        segments = _segments(view)
        found: list[Finding] = []
        for prev, nxt in pairwise(segments):
            end = prev.end_s if prev.end_s is not None else _start(prev)
            gap = _start(nxt) - end
            if gap > self.over_s:
                found.append(((prev.id, nxt.id), f"静音 {gap:.1f} 秒"))
        return found or None


class TalkOver(Condition):
    """An agent segment starts before the preceding customer segment ends."""

    name = "talk_over"
    spec = {"min_s": Param(float, 0.0, minimum=0)}

    def __init__(self, p: dict[str, Any], where: str, lexicons: LexiconSet) -> None:
        self.min_s = p["min_s"]

    def evaluate(self, view: ConversationView) -> Result:
        segments = _segments(view)
        found: list[Finding] = []
        for prev, nxt in pairwise(segments):
            if prev.role == "customer" and nxt.role == "agent" and prev.end_s is not None:
                overlap = prev.end_s - _start(nxt)
                if overlap > self.min_s:
                    found.append(((prev.id, nxt.id), f"抢话 {overlap:.1f} 秒"))
        return found or None


class SpeechRate(Condition):
    name = "speech_rate"
    spec = {
        "role": Param(str, "agent", choices=ROLES[:-1]),
        "over_cps": Param(float, required=True, minimum=0),
        "min_chars": Param(int, 8, minimum=1),
    }

    def __init__(self, p: dict[str, Any], where: str, lexicons: LexiconSet) -> None:
        self.role, self.over_cps, self.min_chars = p["role"], p["over_cps"], p["min_chars"]

    def evaluate(self, view: ConversationView) -> Result:
        found: list[Finding] = []
        for m in _segments(view):
            if m.role != self.role or m.end_s is None or m.end_s <= _start(m):
                continue
            chars = m.chars()
            rate = chars / (m.end_s - _start(m))
            if chars >= self.min_chars and rate > self.over_cps:
                found.append(((m.id,), f"语速 {rate:.1f} 字/秒"))
        return found or None


# --- sentiment, survey, metadata, counts ---------------------------------------------------
class Sentiment(Condition):
    name = "sentiment"
    spec = {"role": Param(str, "customer", choices=ROLES), "position": POSITION,
            "below": Param(float, -0.3)}  # fmt: skip

    def __init__(self, p: dict[str, Any], where: str, lexicons: LexiconSet) -> None:
        self.role, self.position, self.below = p["role"], p["position"], p["below"]

    def needs_sentiment(self) -> bool:
        return True

    def evaluate(self, view: ConversationView) -> Result:
        found: list[Finding] = []
        for m in _select(view, self.role, self.position):
            score, words = view.sentiment(m)
            if score < self.below:
                detail = f": {'、'.join(words)}" if words else ""
                found.append(((m.id,), f"情绪 {score:.2f}{detail}"))
        return found or None


class Survey(Condition):
    name = "survey"
    spec = {
        "csat_at_most": Param(int),
        "csat_at_least": Param(int),
        "nps_at_most": Param(int),
        "nps_at_least": Param(int),
    }

    def __init__(self, p: dict[str, Any], where: str, lexicons: LexiconSet) -> None:
        self.p = {k: v for k, v in p.items() if v is not None}
        if not self.p:
            raise DefinitionError(where, "give at least one of " + ", ".join(self.spec))

    def evaluate(self, view: ConversationView) -> Result:
        survey = view.record.survey
        if survey is None:
            return None
        evidence = []
        for key, limit in self.p.items():
            field, bound = key.split("_at_")
            value = survey.csat if field == "csat" else survey.nps
            if value is None or (value > limit if bound == "most" else value < limit):
                return None
            evidence.append(f"{'满意度' if field == 'csat' else 'NPS'} {value}")
        return [((), "、".join(evidence))]


class Metadata(Condition):
    name = "metadata"
    spec = {
        "channel": Param(list),
        "status": Param(list),
        "category": Param(list),
        "resolved": Param(bool),
        "complaint": Param(bool),
        "escalated": Param(bool),
        "transfers_at_least": Param(int, minimum=0),
    }

    def __init__(self, p: dict[str, Any], where: str, lexicons: LexiconSet) -> None:
        self.p = {k: v for k, v in p.items() if v is not None}
        if not self.p:
            raise DefinitionError(where, "give at least one of " + ", ".join(self.spec))

    def evaluate(self, view: ConversationView) -> Result:
        r = view.record
        p = self.p
        evidence = []
        if "channel" in p and r.channel not in p["channel"]:
            return None
        if "status" in p and r.status not in p["status"]:
            return None
        if "category" in p and not set(r.category) & set(p["category"]):
            return None
        if "resolved" in p and (r.resolved_at is not None) != p["resolved"]:
            return None
        if "complaint" in p and r.complaint != p["complaint"]:
            return None
        if "escalated" in p and bool(r.escalations) != p["escalated"]:
            return None
        if "transfers_at_least" in p:
            if len(r.transfers) < p["transfers_at_least"]:
                return None
            evidence.append(f"转接 {len(r.transfers)} 次")
        return [((), "、".join(evidence))] if evidence else []


class Count(Condition):
    name = "count"
    spec = {"role": ROLE, "at_least": Param(int, minimum=0), "at_most": Param(int, minimum=0)}

    def __init__(self, p: dict[str, Any], where: str, lexicons: LexiconSet) -> None:
        self.role, self.at_least, self.at_most = p["role"], p["at_least"], p["at_most"]
        if self.at_least is None and self.at_most is None:
            raise DefinitionError(where, "give at_least and/or at_most")

    def evaluate(self, view: ConversationView) -> Result:
        chosen = _select(view, self.role, "any")
        n = len(chosen)
        if self.at_least is not None and n < self.at_least:
            return None
        if self.at_most is not None and n > self.at_most:
            return None
        if self.at_least and chosen:  # "there are such messages": they are the evidence
            return [(tuple(m.id for m in chosen), f"{n} 条{_ROLE_LABELS.get(self.role, '')}消息")]
        return []


# --- combinators ------------------------------------------------------------------------
class All(Condition):
    name = "all"

    def __init__(self, children: Sequence[Condition]) -> None:
        self.children = list(children)

    def needs_sentiment(self) -> bool:
        return any(c.needs_sentiment() for c in self.children)

    def evaluate(self, view: ConversationView) -> Result:
        found: list[Finding] = []
        for child in self.children:
            result = child.evaluate(view)
            if result is None:
                return None
            found.extend(result)
        return found


class Any_(Condition):
    name = "any"

    def __init__(self, children: Sequence[Condition]) -> None:
        self.children = list(children)

    def needs_sentiment(self) -> bool:
        return any(c.needs_sentiment() for c in self.children)

    def evaluate(self, view: ConversationView) -> Result:
        found: list[Finding] | None = None
        for child in self.children:
            result = child.evaluate(view)
            if result is not None:
                found = (found or []) + result
        return found


class Not(Condition):
    name = "not"

    def __init__(self, child: Condition) -> None:
        self.child = child

    def needs_sentiment(self) -> bool:
        return self.child.needs_sentiment()

    def evaluate(self, view: ConversationView) -> Result:
        return [] if self.child.evaluate(view) is None else None


LEAVES: dict[str, type[Condition]] = {
    cls.name: cls
    for cls in (
        Keywords, Regex, FirstResponse, ResponseGap, HandleTime, Consecutive, ShortReplies,
        RepeatedText, SimilarMessages, Silence, TalkOver, SpeechRate, Sentiment, Survey,
        Metadata, Count,
    )
}  # fmt: skip
# Readable aliases: must_say = keywords that must be present (fires when absent).
ALIASES = {"must_not_say": ("keywords", {}), "must_say": ("keywords", {"absent": True})}
OPERATORS = ("all", "any", "not", *LEAVES, *ALIASES)


def compile_condition(data: Any, where: str, lexicons: LexiconSet) -> Condition:
    """A condition from its data form; DefinitionError names the path of a bad part."""
    if not isinstance(data, Mapping) or len(data) != 1:
        raise DefinitionError(
            where, f"a condition is one operator: {{operator: parameters}} ({', '.join(OPERATORS)})"
        )
    (op, body), = data.items()  # fmt: skip
    spot = f"{where}.{op}"
    if op in ("all", "any"):
        if not isinstance(body, list) or not body:
            raise DefinitionError(spot, "takes a non-empty list of conditions")
        children = [compile_condition(c, f"{spot}[{i}]", lexicons) for i, c in enumerate(body)]
        return All(children) if op == "all" else Any_(children)
    if op == "not":
        return Not(compile_condition(body, spot, lexicons))
    preset: dict[str, Any] = {}
    if op in ALIASES:
        op_name, preset = ALIASES[op]
        if isinstance(body, Mapping) and "absent" in body:
            raise DefinitionError(f"{spot}.absent", f"'{op}' fixes absent; use 'keywords'")
        body = {**(body or {}), **preset}
    else:
        op_name = op
    cls = LEAVES.get(op_name)
    if cls is None:
        raise DefinitionError(spot, f"unknown operator (known: {', '.join(OPERATORS)})")
    params = _params(op, body, cls.spec, spot)
    return cls(params, spot, lexicons)
