"""The QA engine: indicators + lexicons + a scorecard → a scored, explained result.

Pure Python (no Django): the web app, the task workers and `kefu qa score` all call it.
Batch scoring is the incremental session fed every message at once, and both evaluate
the same rules over the same cached per-message features, so a conversation scored
message by message ends with exactly the result of scoring it whole.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from kefu.interactions.core.native import ConversationRecord, MessageRecord
from kefu.qa.core.errors import DefinitionError
from kefu.qa.core.indicators import Hit, Indicator, parse_indicators
from kefu.qa.core.lexicons import LexiconSet, parse_lexicons
from kefu.qa.core.scorecard import ItemScore, Scorecard, apply, parse_scorecard
from kefu.qa.core.view import ConversationView, SentimentFn, message_view
from kefu.sla.core.defaults import DEFAULT_POLICIES
from kefu.sla.core.policies import Policy, choose


@dataclass(frozen=True)
class QaResult:
    conversation: str
    scorecard: str
    scorecard_version: int
    score: float
    passed: bool
    fatal: bool
    hits: tuple[Hit, ...]
    items: tuple[ItemScore, ...]

    def as_contract(self) -> dict[str, Any]:
        """The `kefu qa score` line (contract qa-indicators.md)."""
        return {
            "conversation": self.conversation,
            "score": self.score,
            "passed": self.passed,
            "fatal": self.fatal,
            "hits": [h.as_contract() for h in self.hits],
        }


class Engine:
    def __init__(
        self,
        indicators: Mapping[str, Indicator],
        scorecard: Scorecard,
        lexicons: LexiconSet,
        sentiment: SentimentFn | None = None,
        policies: Sequence[Policy] | None = None,
    ) -> None:
        missing = [i for i in scorecard.indicator_ids() if i not in indicators]
        if missing:
            raise DefinitionError(f"scorecard {scorecard.id}", f"no indicator {missing[0]!r}")
        self.scorecard = scorecard
        self.lexicons = lexicons
        # Only what the scorecard uses is evaluated, in the scorecard's order.
        self.indicators = [indicators[i] for i in scorecard.indicator_ids()]
        self.sentiment = sentiment
        # service-level policies for timing rules with `target: sla` (None: the shipped ones)
        self.policies = DEFAULT_POLICIES if policies is None else tuple(policies)
        if sentiment is None and any(i.when.needs_sentiment() for i in self.indicators):
            raise DefinitionError("engine", "sentiment rules need a sentiment scorer")

    @classmethod
    def from_data(
        cls,
        *,
        lexicons: Any,
        indicators: Any,
        scorecard: Any,
        sentiment: SentimentFn | None = None,
        policies: Sequence[Policy] | None = None,
    ) -> Engine:
        """Compile definitions given as data (parsed YAML/JSON); DefinitionError if bad."""
        lexicon_set = LexiconSet(parse_lexicons(lexicons))
        compiled = parse_indicators(indicators, lexicon_set)
        scored = parse_scorecard(scorecard, set(compiled))
        return cls(compiled, scored, lexicon_set, sentiment, policies)

    def session(self, record: ConversationRecord) -> Session:
        """Live evaluation: start from the conversation's header (and any messages it
        already has), then `add()` messages one at a time."""
        return Session(self, record)

    def score(self, record: ConversationRecord) -> QaResult:
        return Session(self, record).result()

    def score_many(self, records: Iterable[ConversationRecord]) -> Iterable[QaResult]:
        for record in records:
            yield self.score(record)

    def without(self, result: QaResult, excluded: Iterable[str], channel: str | None) -> QaResult:
        """The result with these indicators' hits left out and the score recomputed (the
        confirmed false positives of docs/qa-feedback.md). Unchanged when none of them hit."""
        drop = set(excluded)
        if not drop or not any(h.indicator in drop for h in result.hits):
            return result
        hits = {h.indicator: h for h in result.hits if h.indicator not in drop}
        scored = apply(self.scorecard, hits, channel)
        return replace(
            result,
            score=scored.score,
            passed=scored.passed,
            fatal=scored.fatal,
            hits=tuple(hits.values()),
            items=scored.items,
        )

    def evaluate(self, view: ConversationView) -> QaResult:
        hits: dict[str, Hit] = {}
        for indicator in self.indicators:
            hit = indicator.evaluate(view)
            if hit is not None:
                hits[indicator.id] = hit
        scored = apply(self.scorecard, hits, view.record.channel)
        return QaResult(
            conversation=view.record.id,
            scorecard=self.scorecard.id,
            scorecard_version=self.scorecard.version,
            score=scored.score,
            passed=scored.passed,
            fatal=scored.fatal,
            hits=tuple(hits.values()),
            items=scored.items,
        )


def policy_for(record: ConversationRecord, policies: Sequence[Policy]) -> Policy | None:
    """The service-level policy judging this conversation (kefu.sla.core.policies)."""
    category = record.category[0] if record.category else ""
    priority = str(record.extra.get("priority") or "")
    return choose(
        policies,
        record.channel,
        record.customer.segment or "",
        category,
        priority,
        record.customer.tags,
    )


def view_of(
    record: ConversationRecord,
    lexicons: LexiconSet,
    sentiment: SentimentFn | None,
    policies: Sequence[Policy] = DEFAULT_POLICIES,
) -> ConversationView:
    """A conversation with its messages' features, ready for any indicator."""
    header = replace(record, messages=[])
    view = ConversationView(header, [], sentiment, sla=policy_for(header, policies))
    for index, message in enumerate(record.messages):
        view.append(message_view(index, message, lexicons))
    return view


class Session:
    """One conversation evaluated as its messages arrive."""

    def __init__(self, engine: Engine, record: ConversationRecord) -> None:
        self.engine = engine
        header = replace(record, messages=[])
        sla = policy_for(header, engine.policies)
        self.view = ConversationView(header, [], engine.sentiment, sla=sla)
        for message in record.messages:
            self._append(message)

    def _append(self, message: MessageRecord) -> None:
        index = len(self.view.messages)
        self.view.append(message_view(index, message, self.engine.lexicons))

    def add(self, message: MessageRecord) -> QaResult:
        self._append(message)
        return self.result()

    def update(self, record: ConversationRecord) -> QaResult:
        """New header facts (status, survey, transfers…) with the messages so far."""
        self.view.record = replace(record, messages=[])
        self.view.sla = policy_for(self.view.record, self.engine.policies)
        return self.result()

    def result(self) -> QaResult:
        return self.engine.evaluate(self.view)
