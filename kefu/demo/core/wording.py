"""How demo customers really type: their own words over the scenario's templates.

The generator (generator.py) decides everything about a conversation with its one
`random.Random(seed)`: who, when, which scenario and sub-problem, the agents' lapses, the
template of each message. Left at that, every customer of a sub-problem opens with one of
two or three sentences, and a text classifier learns the templates, not the problems
(accuracy ≈ 1.0). `Wording` rewrites what the customer types, drawing from a stream of its
own seeded by the conversation (`random.Random(f"{seed}:{number}")`), so that no draw of
the generator moves: the same conversations exist with the same times, agents, flags,
categories, complaints, escalations and ratings, whether wording is on or off. Phone
segments keep the template's length for their timing (generator.Step.span).

What it does, each with the chance below (the phrasings are data, phrases.yaml WORDING
and each scenario's `say`, `mention`, `confusable`):

* the customer says it their own way (a `say` phrasing of the sub-problem);
* a vague opening ("在吗，我那个订单有点问题"), the problem named only in the next message,
  or never (then the follow-up questions are all a reader has);
* a sentence with a neighbouring problem's words (a late parcel that talks of a refund);
* the customer talks about a confusable scenario's problem: the wrap-up code is wrong,
  as some real codes are;
* a style per customer: plain, casual (咋, 啥, 么), sloppy (typos of the pinyin keyboard:
  到帐, 帐号, 优惠卷; no punctuation), emoji; phone transcripts get fillers (那个, 呃) and
  speech-recognition slips (定单, 法票), e-mails are formal;
* synonyms of the templates' words (退款 → 退的钱, 快递 → 包裹), an order number pasted.

Only the customer's opening, their answer to the agent's first question and their
follow-up questions change. Angry words, threats, repeated questions, "thanks" and the
like stay as written: they carry the QA findings (anger, complaint threats, the
similarity of a repeated question), which must not move.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping

from kefu.demo.core import phrases as P

P_SAY = 0.7  # the customer's own phrasing rather than the template
P_VAGUE = 0.15  # the opening names no problem (not in e-mails, not on a repeat contact)
P_STAY_VAGUE = 0.2  # … and the answer does not name it either
P_MENTION = 0.15  # a sentence with a neighbouring problem's words
P_MISLABEL = 0.05  # the customer's problem is a confusable scenario's: the code is wrong
P_GENERIC = 0.3  # a follow-up question that fits any problem (那现在怎么办？)
P_RESTATE = 0.5  # a repeat contact says the problem again rather than the scenario's "again"
P_DETAIL = 0.2  # the answer to the first question restates the problem
P_ORDER = 0.12  # an order number pasted into the opening
STYLES = ("plain", "casual", "sloppy", "emoji")
STYLE_WEIGHTS = (35, 30, 20, 15)
RATE_SYNONYM = 0.35  # chance per occurrence of a template word with synonyms
RATE_COLLOQUIAL = 0.5
RATE_TYPO = 0.25
RATE_ASR = 0.2

_W = P.WORDING
_BY_KEY = {scenario["key"]: scenario for scenario in P.SCENARIOS}
_PUNCTUATION = re.compile(r"[，。？、]")


def _table(rows: list) -> tuple[re.Pattern[str] | None, dict[str, list[str]]]:
    variants = {word: list(forms) for word, forms in rows}
    if not variants:
        return None, variants
    words = sorted(variants, key=len, reverse=True)  # longest first: 为什么 before 什么
    return re.compile("|".join(map(re.escape, words))), variants


_SYNONYMS = _table(_W["synonyms"])
_COLLOQUIAL = _table(_W["colloquial"])
_TYPOS = _table(_W["typos"])
_ASR = _table(_W["asr"])


class Wording:
    """One conversation's customer: their style and what they say about the problem."""

    def __init__(
        self,
        seed: int,
        number: int,
        scenario: Mapping,
        case: int,
        channel: str,
        slots: Mapping[str, object],
        repeat_contact: bool = False,
    ) -> None:
        rng = self.rng = random.Random(f"wording:{seed}:{number}")
        self.channel = channel
        self.slots = slots
        self.scenario = scenario
        self.style = "plain" if channel in ("email", "phone") else _pick(rng)
        # the problem the customer talks about: their own, or a confusable one
        self.topic_scenario = scenario
        self.topic = scenario["cases"][case]
        self.mislabelled = rng.random() < P_MISLABEL and bool(scenario.get("confusable"))
        if self.mislabelled:
            self.topic_scenario = _BY_KEY[rng.choice(scenario["confusable"])]
            self.topic = rng.choice(self.topic_scenario["cases"])
        self._repeated: dict[str, str] = {}
        self.vague = not repeat_contact and channel != "email" and rng.random() < P_VAGUE
        self.stays_vague = self.vague and rng.random() < P_STAY_VAGUE
        self.pending = ""  # the problem a vague opening left for the answer

    # --- what the generator asks for -------------------------------------------------------
    def opening(self, text: str) -> str:
        """The customer's first message (text: the template, filled)."""
        rng = self.rng
        if self.mislabelled or rng.random() < P_SAY:
            text = self._fill(rng.choice(self.topic["say"] + self.topic["opening"]))
        if self.vague:
            self.pending = text
            text = self._fill(rng.choice(_W["vague_phone" if self.channel == "phone" else "vague"]))
        elif rng.random() < P_MENTION:
            text = _join(text, self._fill(rng.choice(self.scenario["mention"])))
        if (
            rng.random() < P_ORDER
            and self.channel != "phone"
            and str(self.slots["order"]) not in text
        ):
            order = self._fill(rng.choice(("订单{order}", "订单号：{order}", "{order}")))
            text = _join(order, text) if rng.random() < 0.5 else _join(text, order)
        return self._dress(text, first=True)

    def followup(self, prefix: str, ask: str) -> str:
        """The opening of a repeat contact: a "back again" prefix (filled) and the
        scenario's "again" question (filled), or the problem said once more."""
        rng = self.rng
        if self.mislabelled:
            ask = self._fill(rng.choice(self.topic_scenario["repeat_ask"]))
        if rng.random() < P_RESTATE:
            ask = self._fill(rng.choice(self.topic["say"]))
        return self._dress(prefix + ask, first=False)

    def repeat(self, question: str) -> str:
        """The question a customer asks again and again: worded once, then the same."""
        if question not in self._repeated:
            said = question
            if self.mislabelled:
                said = self._fill(self.rng.choice(self.topic_scenario["repeat_ask"]))
            self._repeated[question] = self._dress(said, first=False).rstrip("？?") + "？"
        return self._repeated[question]

    def answer(self, text: str) -> str:
        """The customer's answer to the agent's first question."""
        rng = self.rng
        if self.mislabelled:
            text = self._fill(rng.choice(self.topic["yes"] + self.topic.get("info", [])))
        if self.pending and not self.stays_vague:
            text = _join(text, self.pending)
        elif not self.vague and rng.random() < P_DETAIL:
            text = _join(text, self._fill(rng.choice(self.topic["say"])))
        self.pending = ""
        return self._dress(text, first=False)

    def question(self, text: str) -> str:
        """A follow-up question of the customer (text: the scenario's, filled)."""
        rng = self.rng
        if _kept(text):
            return text
        if rng.random() < P_GENERIC:
            text = rng.choice(_W["generic_questions"])
        elif self.mislabelled:
            asked = [q for questions, _ in self.topic_scenario["qa"] for q in questions]
            asked += [q for questions, _ in self.topic.get("qa", ()) for q in questions]
            asked = [q for q in asked if not _kept(q)]
            if asked:
                text = self._fill(rng.choice(asked))
        return self._dress(text, first=False)

    def subject(self) -> str:
        """The subject line of the customer's e-mail."""
        return self._fill(self.rng.choice(_W["subject"]))

    # --- helpers ---------------------------------------------------------------------------
    def _fill(self, text: str) -> str:
        return text.format_map(self.slots) if "{" in text else text

    def _swap(self, table: tuple[re.Pattern[str] | None, dict], text: str, rate: float) -> str:
        pattern, variants = table
        if pattern is None:
            return text
        rng = self.rng

        def one(match: re.Match[str]) -> str:
            word = match.group(0)
            return rng.choice(variants[word]) if rng.random() < rate else word

        return pattern.sub(one, text)

    def _dress(self, text: str, first: bool) -> str:
        rng, style, channel = self.rng, self.style, self.channel
        text = self._swap(_SYNONYMS, text, RATE_SYNONYM)
        if style in ("casual", "sloppy"):
            text = self._swap(_COLLOQUIAL, text, RATE_COLLOQUIAL)
        if style == "sloppy":
            text = self._swap(_TYPOS, text, RATE_TYPO)
            if rng.random() < 0.6:
                text = _PUNCTUATION.sub(lambda _: rng.choice((" ", "", "", "，")), text)
                text = text.strip().rstrip("，")
        if channel == "phone":
            text = self._swap(_ASR, text, RATE_ASR)
        kind = channel if channel in ("phone", "email") else "chat"
        if first and rng.random() < (0.5 if style == "casual" or kind != "chat" else 0.25):
            prefix = rng.choice(_W["prefix"][kind])
            if not text.startswith(prefix.rstrip("，：")):
                text = prefix + text
        if rng.random() < (0.45 if style in ("casual", "emoji") else 0.15):
            text = _suffixed(text, rng.choice(_W["suffix"][kind]))
        if style == "emoji" and rng.random() < 0.7:
            text += "".join(rng.choice(_W["emoji"]) for _ in range(rng.choice((1, 1, 2, 3))))
        return text


def _kept(text: str) -> bool:
    """A template QA reads for risk words (WORDING.keep): left as written."""
    return any(word in text for word in _W["keep"])


def _pick(rng: random.Random) -> str:
    return rng.choices(STYLES, weights=STYLE_WEIGHTS)[0]


def _suffixed(text: str, suffix: str) -> str:
    """A particle or an afterthought at the end: 有活动吗？ + 呀 → 有活动吗呀？."""
    text = text.rstrip("。")
    if text.endswith(("？", "?")):
        if len(suffix) == 1 and suffix not in "~":
            return text[:-1] + suffix + text[-1]
        return text + suffix.removeprefix("，")
    return text + suffix


def _join(first: str, second: str) -> str:
    """Two sentences as one message."""
    if not first:
        return second
    if first[-1] in "，。？！?!~ ":
        return first + second
    return first + "，" + second
