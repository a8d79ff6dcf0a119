"""What rules look at: a conversation and its messages with per-message features.

Features (lexicon words, normalised text, sentiment) are computed once per message and
kept, so a rule set is evaluated over cached features; the incremental session adds one
message's features and re-evaluates, which is why batch and live scoring cannot differ.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from kefu.interactions.core.native import ConversationRecord, MessageRecord, time_key
from kefu.qa.core.lexicons import LexiconSet
from kefu.sla.core.policies import Policy

# text → (score −1…1, words that drove it)
SentimentFn = Callable[[str], tuple[float, tuple[str, ...]]]

_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)
_CJK = re.compile(r"[\u3400-\u9fff]")


def normalise(text: str) -> str:
    """Lower-case, full-width folded, without punctuation or spaces (for comparing)."""
    return _NOT_WORD.sub("", unicodedata.normalize("NFKC", text).lower())


@dataclass
class MessageView:
    index: int  # position in the conversation's time order (ConversationView.append)
    id: str
    role: str
    at: datetime
    text: str
    start_s: float | None
    end_s: float | None
    words: dict[str, list[str]]  # lexicon name → canonical words found
    matches: dict[object, list[str]] = field(default_factory=dict)  # per condition (regex…)
    _norm: str | None = None
    _sentiment: tuple[float, tuple[str, ...]] | None = None

    @property
    def norm(self) -> str:
        if self._norm is None:
            self._norm = normalise(self.text)
        return self._norm

    def chars(self) -> int:
        """Spoken characters: CJK characters, else letters and digits (for speech rate)."""
        cjk = len(_CJK.findall(self.text))
        return cjk or len(self.norm)


@dataclass
class ConversationView:
    record: ConversationRecord  # header fields (messages are in `messages`)
    messages: list[MessageView] = field(default_factory=list)  # in time order
    sentiment_fn: SentimentFn | None = None
    sla: Policy | None = None  # the service-level policy judging it (timing with target: sla)
    _roles: dict[str, list[MessageView]] = field(default_factory=dict)
    _keys: list = field(default_factory=list)  # time_key of each message

    def append(self, message: MessageView) -> None:
        """Add a message at its place in time (after those of equal time): rules measure
        by time (first response, waits, runs, first and last), whatever order the
        messages are listed or arrive in. `index` is the position in that order."""
        key = time_key(self.record.channel, self.record.created_at)(message)
        if not self._keys or key >= self._keys[-1]:
            message.index = len(self.messages)
            self.messages.append(message)
            self._keys.append(key)
        else:  # an earlier message arriving late
            place = bisect_right(self._keys, key)
            self.messages.insert(place, message)
            self._keys.insert(place, key)
            for index in range(place, len(self.messages)):
                self.messages[index].index = index
        self._roles.clear()

    def role(self, role: str) -> list[MessageView]:
        """The messages of a role ("any": all), in order; cached until the next append."""
        if role == "any":
            return self.messages
        chosen = self._roles.get(role)
        if chosen is None:
            chosen = self._roles[role] = [m for m in self.messages if m.role == role]
        return chosen

    def sentiment(self, message: MessageView) -> tuple[float, tuple[str, ...]]:
        if message._sentiment is None:
            if self.sentiment_fn is None:
                raise RuntimeError("a sentiment rule needs a sentiment scorer")
            message._sentiment = self.sentiment_fn(message.text)
        return message._sentiment


def message_view(index: int, message: MessageRecord, lexicons: LexiconSet) -> MessageView:
    return MessageView(
        index=index,
        id=message.id,
        role=message.role,
        at=message.at,
        text=message.text or "",
        start_s=message.start_s,
        end_s=message.end_s,
        words=lexicons.find(message.text or ""),
    )
