"""Automatic QA of every stored conversation: read records in bulk, score, store results.

- `records_for(ids)` rebuilds native records straight from the database, a chunk of
  conversations at a time with a constant number of queries per chunk.
- `score_conversations(ids, version)` scores them with the engine of a scorecard version
  and writes `QaResult` + `QaHit` rows in bulk. Per (conversation, version) scoring is
  idempotent: a new score rewrites that version's result in place (same id, new hits);
  results of the scorecard's other versions stay as history (`is_current=False`).
- `queue(ids)` (the import hook, inside every batch) lists written conversations in
  `PendingQa`; `score_pending()` (a background task when the import ends) works it off,
  leaving queued what was written again meanwhile (marks: docs/scaling.md).
- `kefu.qa.tasks.start_rescore(version, trigger)` creates a `QaRun` over every
  conversation and queues the task that runs it (`execute_run`), which keeps the run's
  progress current.

The engine is pure (kefu/qa/core); the records it gets here are the ones the importer
stored, so a stored score equals `kefu qa score` on the imported file, except where a QA
specialist confirmed a hit as a false positive (docs/qa-feedback.md): that hit is left
out and the score recomputed without it. `kefu qa score` scores files and reads no
feedback. Customers'
personal fields are not decrypted (no rule reads them), except the names of customers
whose conversations get hits with evidence: evidence is stored masked, names included.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date

import orjson
from django.db import connection, transaction
from django.dispatch import Signal
from django.utils import timezone

from kefu.accounts.models import Agent
from kefu.bulk import (
    chunks,
    datetime_adapter,
    in_clause,
    insert_rows,
    instant,
    json_value,
    next_marked,
    one_at_a_time,
    queue_ids,
    raw_rows,
    unqueue_marked,
    where_in,
)
from kefu.core.masking import mask_text
from kefu.interactions.core.native import (
    ConversationRecord,
    CustomerRecord,
    EscalationRecord,
    MessageRecord,
    TransferRecord,
)
from kefu.interactions.exporter import record_from_values
from kefu.interactions.models import Conversation, Escalation, Message, Transfer
from kefu.lib.localtime import configured_tz
from kefu.qa import rollups, store
from kefu.qa.core.engine import Engine
from kefu.qa.core.engine import QaResult as Scored
from kefu.qa.models import (
    FeedbackStatus,
    HitFeedback,
    PendingQa,
    QaHit,
    QaResult,
    QaRun,
    RunStatus,
    RunTrigger,
    ScorecardVersion,
)

log = logging.getLogger(__name__)

# Sent when a scoring pass has stored its results and committed: the import queue
# (`score_pending`, with the conversation ids it scored) or a re-score run (`execute_run`,
# conversation_ids=None: any conversation may have changed). Apps above QA listen (the
# training app runs its assignment rules); QA imports none of them.
scoring_finished = Signal()

CHUNK = 500  # conversations read, scored and written together
# Serialises QA result writers on PostgreSQL (SQLite serialises every writer already), so
# two passes scoring one conversation cannot both insert its result.
_PG_LOCK = 0x6B6566755161  # "kefuQa"
# Passes over the queue (`score_pending`) run one at a time across processes (PostgreSQL):
# two would score the same queued conversations. Writers never wait for this lock.
QUEUE_LOCK = 7_451_003  # beside kefu.metrics.facts.REFRESH_LOCK
MAX_SMALL = 32767  # PositiveSmallIntegerField

RESULT_COLUMNS = (
    "conversation_id", "scorecard_version_id", "run_id", "is_current", "score", "passed",
    "fatal", "hit_count", "items", "agent_id", "team_id", "day", "scored_at",
)  # fmt: skip
HIT_COLUMNS = (
    "result_id", "indicator", "severity", "type", "messages", "evidence", "occurrences",
    "is_current", "agent_id", "team_id", "day",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class ConvInfo:
    """What a result copies from its conversation (and when the conversation was written)."""

    pk: int
    agent_id: int | None
    team_id: int | None
    day: date  # the conversation's local day (KEFU_TIME_ZONE)
    updated_at: object = None  # as stored: detects a conversation re-imported meanwhile


# --- low-level helpers ------------------------------------------------------------------


def _chunks(items: Sequence, size: int = CHUNK) -> Iterator[Sequence]:
    return chunks(items, size)


def _execute(sql: str, params: Sequence) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


# --- reading records --------------------------------------------------------------------

_CONVERSATION_FIELDS = (
    "pk", "external_id", "channel", "customer__external_id", "customer__segment",
    "customer__tags",
    "agent_id", "team_id", "created_at", "resolved_at", "closed_at", "status",
    "category1", "category2", "category3", "complaint", "csat", "nps", "survey_at",
    "survey_comment", "survey_extra", "has_order", "order_converted", "order_amount",
    "order_currency", "order_extra", "extra", "updated_at",
)  # fmt: skip
_MESSAGE_FIELDS = (
    "conversation_id", "external_id", "role", "agent_id", "at", "text", "start_s", "end_s",
    "extra",
)  # fmt: skip


class _Agents(dict):
    """Agent pk → external id, loaded once and topped up for agents created meanwhile."""

    def __missing__(self, pk: int) -> str | None:
        self.update(Agent.objects.filter(pk=pk).values_list("pk", "external_id"))
        return dict.get(self, pk)


def records_for(conversation_ids: Iterable[int]) -> Iterator[tuple[ConvInfo, ConversationRecord]]:
    """(ConvInfo, ConversationRecord) of each existing conversation, in id order; four
    queries per CHUNK conversations (conversations, messages, transfers, escalations)."""
    ids = sorted(set(conversation_ids))
    if not ids:
        return
    tz = configured_tz()
    agents = _Agents(Agent.objects.values_list("pk", "external_id"))

    def ext(pk: int | None) -> str | None:
        return agents[pk] if pk is not None else None

    for chunk in _chunks(ids):
        messages: dict[int, list[MessageRecord]] = defaultdict(list)
        rows = raw_rows(
            where_in(Message.objects.order_by("conversation_id", "seq"), "conversation_id", chunk)
            .values_list(*_MESSAGE_FIELDS)
        )  # fmt: skip
        for conversation_id, mid, role, agent_id, at, text, start_s, end_s, extra in rows:
            messages[conversation_id].append(
                MessageRecord(
                    id=mid,
                    role=role,
                    at=instant(at),
                    text=text,
                    agent=ext(agent_id),
                    start_s=start_s,
                    end_s=end_s,
                    extra=json_value(extra) or {},
                )
            )
        del rows
        transfers: dict[int, list[TransferRecord]] = defaultdict(list)
        for conversation_id, from_id, to_id, at in raw_rows(
            where_in(Transfer.objects.order_by("conversation_id", "at", "pk"),
                      "conversation_id", chunk)
            .values_list("conversation_id", "from_agent_id", "to_agent_id", "at")
        ):  # fmt: skip
            transfer = TransferRecord(ext(from_id), ext(to_id), instant(at))
            transfers[conversation_id].append(transfer)
        escalations: dict[int, list[EscalationRecord]] = defaultdict(list)
        for conversation_id, level, at, resolved_at in raw_rows(
            where_in(Escalation.objects.order_by("conversation_id", "at", "pk"),
                      "conversation_id", chunk)
            .values_list("conversation_id", "level", "at", "resolved_at")
        ):  # fmt: skip
            escalations[conversation_id].append(
                EscalationRecord(level, instant(at), instant(resolved_at))
            )
        conversations = raw_rows(
            where_in(Conversation.objects.order_by("pk"), "id", chunk)
            .values_list(*_CONVERSATION_FIELDS)
        )  # fmt: skip
        for row in conversations:
            values = dict(zip(_CONVERSATION_FIELDS, row, strict=True))
            for name in ("created_at", "resolved_at", "closed_at", "survey_at"):
                values[name] = instant(values[name])
            for name in ("survey_extra", "order_extra", "extra"):
                values[name] = json_value(values[name])
            record = record_from_values(
                values,
                customer=CustomerRecord(
                    id=values["customer__external_id"],
                    segment=values["customer__segment"] or None,
                    tags=tuple(json_value(values["customer__tags"]) or ()),
                ),
                agent=ext(values["agent_id"]),
                messages=messages.pop(values["pk"], []),
                transfers=transfers.pop(values["pk"], []),
                escalations=escalations.pop(values["pk"], []),
            )
            info = ConvInfo(
                values["pk"],
                values["agent_id"],
                values["team_id"],
                values["created_at"].astimezone(tz).date(),
                values["updated_at"],
            )
            yield info, record


# --- writing results --------------------------------------------------------------------


def _items_json(scored: Scored) -> str:
    return orjson.dumps(
        [
            {
                "item": i.item,
                "section": i.section,
                "points": i.points,
                "fatal": i.fatal,
                "indicators": list(i.indicators),
            }
            for i in scored.items
        ]
    ).decode()


def evidence_names(scored: list[tuple[ConvInfo, Scored]]) -> dict[int, tuple[str, ...]]:
    """Conversation pk → its customer's name, of the conversations whose hits carry
    evidence: evidence is stored masked (it may quote a message), names included.
    Decrypted only for these (records_for reads no names, for speed)."""
    pks = [info.pk for info, s in scored if any(h.evidence for h in s.hits)]
    names: dict[int, tuple[str, ...]] = {}
    for part in chunks(pks, CHUNK):
        rows = where_in(Conversation.objects.all(), "id", part).values_list("pk", "customer__name")
        names.update((pk, (name,)) for pk, name in rows if name)
    return names


def _write(
    scored: list[tuple[ConvInfo, Scored]],
    version: ScorecardVersion,
    sibling_versions: Sequence[int],
    run_id: int | None,
) -> list[int]:
    """Store these results; returns the ids of the conversations stored. A conversation
    written since it was read is left out (the import hook queued it again)."""
    if not scored:
        return []
    with transaction.atomic():
        if connection.vendor == "postgresql":
            _execute("SELECT pg_advisory_xact_lock(%s)", [_PG_LOCK])
        ids = [info.pk for info, _ in scored]
        stamps = dict(
            raw_rows(
                where_in(Conversation.objects.all(), "id", ids).values_list("pk", "updated_at")
            )
        )
        scored = [(i, s) for i, s in scored if i.pk in stamps and stamps[i.pk] == i.updated_at]
        ids = [info.pk for info, _ in scored]
        if not ids:
            return []
        # Earlier results of the same scorecard: this version's are rewritten in place
        # (their ids stay valid for anything that refers to them), the other versions'
        # current ones become history.
        siblings = set(sibling_versions)
        earlier = [row for row in _results_of(ids) if row[2] in siblings]
        existing = {c: pk for c, pk, v, _ in earlier if v == version.pk}
        demoted = [pk for _, pk, v, current in earlier if v != version.pk and current]
        # The roll-ups lose what the results being replaced or demoted counted …
        delta = rollups.removed([pk for _, pk, _v, current in earlier if current])
        results, hits = _table(QaResult), _table(QaHit)
        if existing:
            clause, param = in_clause("result_id", list(existing.values()))
            _execute(f"DELETE FROM {hits} WHERE {clause}", [param])
        if demoted:
            clause, param = in_clause("result_id", demoted)
            _execute(f"UPDATE {hits} SET is_current = %s WHERE {clause}", [False, param])
            clause, param = in_clause("id", demoted)
            _execute(f"UPDATE {results} SET is_current = %s WHERE {clause}", [False, param])

        adapt_date = connection.ops.adapt_datefield_value
        now = datetime_adapter()(timezone.now())
        new_rows, updates, days = [], [], {}
        for info, s in scored:
            days[info.pk] = day = adapt_date(info.day)
            values = (run_id, True, s.score, s.passed, s.fatal, min(len(s.hits), MAX_SMALL),
                      _items_json(s), info.agent_id, info.team_id, day, now)  # fmt: skip
            if info.pk in existing:
                updates.append((*values, existing[info.pk]))
            else:
                new_rows.append((info.pk, version.pk, *values))
        insert_rows(QaResult, RESULT_COLUMNS, new_rows)
        if updates:
            quote = connection.ops.quote_name
            assignments = ", ".join(f"{quote(c)} = %s" for c in RESULT_COLUMNS[2:])
            with connection.cursor() as cursor:
                cursor.executemany(f"UPDATE {results} SET {assignments} WHERE id = %s", updates)
        if any(s.hits for _, s in scored):
            names = evidence_names(scored)
            result_ids = dict(existing)
            if new_rows:
                result_ids.update(
                    (c, pk)
                    for c, pk, v, _ in _results_of([row[0] for row in new_rows])
                    if v == version.pk
                )
            insert_rows(
                QaHit,
                HIT_COLUMNS,
                [
                    (result_ids[info.pk], h.indicator, h.severity, h.type,
                     orjson.dumps(list(h.messages)).decode(),
                     mask_text(h.evidence, names.get(info.pk, ())),
                     min(h.occurrences, MAX_SMALL), True, info.agent_id, info.team_id,
                     days[info.pk])
                    for info, s in scored
                    for h in s.hits
                ],
            )  # fmt: skip
        # … and gain what the new ones count.
        for info, s in scored:
            delta.add(info.day, info.agent_id, info.team_id, passed=s.passed, fatal=s.fatal,
                      score=s.score, indicators=[h.indicator for h in s.hits])  # fmt: skip
        rollups.apply(delta)
    return ids


def _results_of(conversation_ids: Sequence[int]) -> list[tuple]:
    """(conversation_id, pk, scorecard_version_id, is_current) of every stored result of
    these conversations. Filtered on the conversation alone, on purpose: given the version
    too, SQLite walks the version's index, i.e. every result of it (quadratic re-scores)."""
    return raw_rows(
        where_in(QaResult.objects.all(), "conversation_id", conversation_ids).values_list(
            "conversation_id", "pk", "scorecard_version_id", "is_current"
        )
    )


def _sibling_versions(version: ScorecardVersion) -> list[int]:
    return list(
        ScorecardVersion.objects.filter(scorecard_id=version.scorecard_id).values_list(
            "pk", flat=True
        )
    )


def _score_chunk(
    ids: Sequence[int],
    engine: Engine,
    version: ScorecardVersion,
    siblings: Sequence[int],
    run_id: int | None,
) -> list[int]:
    excluded = confirmed_false_positives(ids)
    scored = [
        (info, engine.without(engine.score(record), excluded.get(info.pk, ()), record.channel))
        for info, record in records_for(ids)
    ]
    return _write(scored, version, siblings, run_id)


def confirmed_false_positives(conversation_ids: Sequence[int]) -> dict[int, set[str]]:
    """Conversation pk → the indicators whose hits on it a QA specialist confirmed as
    false positives (docs/qa-feedback.md): their results are stored without them."""
    out: dict[int, set[str]] = defaultdict(set)
    rows = where_in(
        HitFeedback.objects.filter(status=FeedbackStatus.CONFIRMED), "conversation_id",
        list(conversation_ids),
    ).values_list("conversation_id", "indicator")  # fmt: skip
    for conversation_id, indicator in rows:
        out[conversation_id].add(indicator)
    return out


def score_conversations(
    ids: Iterable[int], version: ScorecardVersion | None = None, run: QaRun | None = None
) -> int:
    """Score these conversations with a scorecard version (default: the default
    scorecard's latest) and store the results; returns how many were stored."""
    version = version or store.default_version()
    engine = store.engine_for(version)
    siblings = _sibling_versions(version)
    run_id = run.pk if run is not None else None
    done = 0
    for chunk in _chunks(sorted(set(ids))):
        done += len(_score_chunk(chunk, engine, version, siblings, run_id))
    return done


# --- the queue --------------------------------------------------------------------------


def queue(conversation_ids: Iterable[int]) -> None:
    """List conversations to score (the import hook, once per batch)."""
    queue_ids(PendingQa, "conversation_id", conversation_ids, mark_column="mark")


def score_pending(on_progress: Callable[[int], None] | None = None) -> int:
    """Score queued conversations with the default scorecard; returns how many were taken
    off the queue. Sends `scoring_finished` with the conversations scored.

    The queue rows are read without a lock, one chunk per transaction, and taken off only
    after the results are committed, and only with the mark that was read: a writer (an
    import batch, a live message) holding its conversations never waits for a pass that
    waits for them, and a conversation written again meanwhile stays queued for the next
    pass. Passes run one at a time (`QUEUE_LOCK`)."""
    scored: list[int] = []
    done = _score_pending(scored, on_progress)
    if scored:
        scoring_finished.send(sender=QaResult, conversation_ids=scored)
    return done


def _score_pending(scored: list[int], on_progress: Callable[[int], None] | None) -> int:
    version = store.default_version()
    engine = store.engine_for(version)
    siblings = _sibling_versions(version)
    done = 0
    after: int | None = None  # the queue is walked once, in id order
    while True:
        with transaction.atomic():
            one_at_a_time(QUEUE_LOCK)
            taken = next_marked(PendingQa, "conversation_id", "mark", after, CHUNK)
            if not taken:
                return done
            ids = [pk for pk, _ in taken]
            stored = set(_score_chunk(ids, engine, version, siblings, None))
            existing = set(
                where_in(Conversation.objects.all(), "id", ids).values_list("pk", flat=True)
            )
        # Taken off: scored, or gone; a conversation written meanwhile stays queued (not
        # stored, or queued again with a new mark) and is scored by the next pass.
        finished = [(pk, mark) for pk, mark in taken if pk in stored or pk not in existing]
        unqueue_marked(PendingQa, "conversation_id", "mark", finished)
        scored.extend(pk for pk in ids if pk in stored)
        done += len(finished)
        after = ids[-1]
        if on_progress is not None:
            on_progress(done)


# --- re-scoring runs --------------------------------------------------------------------


def create_run(version: ScorecardVersion, trigger: str = RunTrigger.MANUAL, user=None) -> QaRun:
    return QaRun.objects.create(
        scorecard_version=version,
        trigger=trigger,
        total=Conversation.objects.count(),
        created_by=user if user is not None and user.is_authenticated else None,
    )


def execute_run(run_id: int, on_progress: Callable[[int, int], None] | None = None) -> QaRun | None:
    """Score every conversation (up to the newest at the start) with the run's version,
    in chunks, keeping `done`, the heartbeat and the resume point current. A restarted
    run goes on after the last chunk it finished. Marks the run failed (and re-raises)
    on an error."""
    run = QaRun.objects.select_related("scorecard_version").filter(pk=run_id).first()
    if run is None:
        log.warning("QA run %s vanished before it ran", run_id)
        return None
    if run.status in (RunStatus.DONE, RunStatus.FAILED):
        return run  # delivered twice: the first delivery decided
    if run.status == RunStatus.RUNNING and not run.is_stalled:
        return run  # another worker has it and is alive
    runs = QaRun.objects.filter(pk=run_id)
    last = run.last_pk
    if last is None:  # first start: fix the newest conversation the run covers
        last = Conversation.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    total = Conversation.objects.filter(pk__lte=last).count()
    after = run.after_pk
    done = Conversation.objects.filter(pk__lte=after).count() if after else 0
    runs.update(
        status=RunStatus.RUNNING,
        started_at=run.started_at or timezone.now(),
        heartbeat_at=timezone.now(),
        total=total,
        done=done,
        last_pk=last,
        error="",
    )
    try:
        version = run.scorecard_version
        engine = store.engine_for(version)
        siblings = _sibling_versions(version)
        while True:
            chunk = list(
                Conversation.objects.filter(pk__gt=after, pk__lte=last)
                .order_by("pk")
                .values_list("pk", flat=True)[:CHUNK]
            )
            if not chunk:
                break
            _score_chunk(chunk, engine, version, siblings, run.pk)
            after = chunk[-1]
            done += len(chunk)
            runs.update(done=done, after_pk=after, heartbeat_at=timezone.now())
            if on_progress is not None:
                on_progress(done, total)
    except Exception as exc:
        log.exception("QA run %s failed", run_id)
        runs.update(
            status=RunStatus.FAILED,
            error=f"{type(exc).__name__}: {exc}"[:2000],
            done=done,
            finished_at=timezone.now(),
        )
        raise
    runs.update(status=RunStatus.DONE, done=done, finished_at=timezone.now())
    run.refresh_from_db()
    scoring_finished.send(sender=QaResult, conversation_ids=None)
    return run


def rescore(
    version: ScorecardVersion | None = None,
    *,
    trigger: str = RunTrigger.MANUAL,
    user=None,
    on_progress: Callable[[int, int], None] | None = None,
) -> QaRun:
    """A re-score run done synchronously (the `kefu qa rescore` command)."""
    run = create_run(version or store.default_version(), trigger, user)
    execute_run(run.pk, on_progress)
    run.refresh_from_db()
    return run
