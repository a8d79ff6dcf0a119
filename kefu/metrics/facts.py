"""Keeps the stored KPI statistics current: per-conversation facts and daily roll-ups.

The figures themselves are defined in `core.kpis`; this module only feeds it rows from
the database and stores its additive statistics:

- `queue(ids)` (the import hook, inside every batch) lists written conversations in
  `PendingFact`: one small insert, so imports stay fast.
- `refresh()` (when an import finishes, and before every read) works the queue off in
  bulk with `refresh_facts(ids)`, which recomputes the facts of those conversations and
  of the earlier conversations of the same customers whose repeat-contact flag they
  changed, marking their days dirty; then it re-sums the roll-ups of dirty days.
  A page read (`page_read`) does at most a page's worth of it and says when its figures
  are behind: a large backlog is left to a worker.
- `rebuild_all()` recomputes everything (after an upgrade or a time-zone change).
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime

from django.db import connection, transaction
from django.db.models import Max, Min, Q, Sum

from kefu.bulk import (
    chunks,
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
from kefu.interactions.models import Conversation, Escalation, Message
from kefu.lib.localtime import configured_tz
from kefu.metrics.core import distribution
from kefu.metrics.core.kpis import (
    STATS,
    Row,
    business_first_response_s,
    business_span,
    contribution,
    repeat_contacts,
)
from kefu.metrics.core.kpis import Escalation as EscalationFact
from kefu.metrics.models import DailyKpi, DirtyDay, KpiFact, PendingFact
from kefu.sla.core.report import judged_seconds
from kefu.sla.selectors import active_policies, choose

CHUNK = 2000  # ids per IN (...) query, well below every database's parameter limit

FACT_COLUMNS = (
    "conversation_id",
    "day",
    "agent_id",
    "team_id",
    "channel",
    "customer_id",
    "frt_s",
    "biz_frt_s",
    "sla_policy_id",
    *STATS,
)
_CONVERSATION_FIELDS = (
    "pk",
    "customer_id",
    "created_at",
    "agent_id",
    "team_id",
    "channel",
    "customer_message_count",
    "first_response_s",
    "handle_time_s",
    "resolved_at",
    "complaint",
    "csat",
    "nps",
    "has_order",
    "order_converted",
    "first_customer_at",
    "first_response_at",
    "category1",
    "customer__segment",
    "extra__priority",
    "customer__tags",
)


def _chunks(items: Sequence, size: int = CHUNK) -> Iterable[Sequence]:
    return chunks(items, size)


def _histories(customer_ids: Iterable[int]) -> dict[int, list[tuple[datetime, int]]]:
    """Every stored conversation of these customers as (created_at, pk), sorted."""
    history: dict[int, list[tuple[datetime, int]]] = defaultdict(list)
    for chunk in _chunks(sorted(set(customer_ids))):
        rows = raw_rows(
            where_in(Conversation.objects.all(), "customer_id", chunk).values_list(
                "customer_id", "created_at", "pk"
            )
        )
        for customer_id, created_at, pk in rows:
            history[customer_id].append((instant(created_at), pk))
    for entries in history.values():
        entries.sort()
    return history


def _repeat_flags(history: dict[int, list[tuple[datetime, int]]]) -> dict[int, bool]:
    """Repeat-contact flag of every conversation in the histories (core definition)."""
    times = {customer: [t for t, _ in entries] for customer, entries in history.items()}
    keys = [(customer, t, pk) for customer, entries in history.items() for t, pk in entries]
    flags = repeat_contacts(((c, t) for c, t, _ in keys), times)
    return {pk: flag for (_, _, pk), flag in zip(keys, flags, strict=True)}


def _fact_rows(ids: Sequence[int], repeat: dict[int, bool]) -> list[tuple]:
    """Database rows (FACT_COLUMNS order) for these conversations."""
    tz = configured_tz()
    adapt_date = connection.ops.adapt_datefield_value
    escalations: dict[int, list[EscalationFact]] = defaultdict(list)
    for conversation_id, at, resolved_at in raw_rows(
        where_in(Escalation.objects.all(), "conversation_id", ids).values_list(
            "conversation_id", "at", "resolved_at"
        )
    ):
        escalations[conversation_id].append(EscalationFact(instant(at), instant(resolved_at)))
    out = []
    policies = active_policies()
    spans = {p.id: business_span(p.calendar) for p in policies}  # None: calendar time
    conversations = where_in(Conversation.objects.all(), "id", ids)
    rows = []
    field = {name: i for i, name in enumerate(_CONVERSATION_FIELDS)}
    for values in raw_rows(conversations.values_list(*_CONVERSATION_FIELDS)):
        channel, category, segment, priority, tags = (
            values[field[name]]
            for name in (
                "channel", "category1", "customer__segment", "extra__priority", "customer__tags"
            )
        )  # fmt: skip
        policy = choose(
            policies,
            channel,
            segment or "",
            category or "",
            str(priority or ""),
            json_value(tags) or (),
        )
        rows.append((values, policy))
    # Where each handle time starts (business time): the first message's time; a phone
    # segment's `at` is the call start + its start_s, so the same holds for calls. Read
    # only for conversations whose calendar is not always open.
    need_start = [
        values[0]
        for values, policy in rows
        if policy is not None
        and spans[policy.id] is not None
        and values[field["handle_time_s"]] is not None
    ]
    handle_starts: dict[int, datetime | None] = {}
    for chunk in _chunks(need_start):
        handle_starts.update(
            (conversation_id, instant(first))
            for conversation_id, first in raw_rows(
                where_in(Message.objects.all(), "conversation_id", chunk)
                .values_list("conversation_id")
                .annotate(first=Min("at"))
                .order_by()
            )
        )
    for values, policy in rows:
        (pk, customer_id, created_at, agent_id, team_id, channel, customer_messages, frt,
         handle, resolved_at, complaint, csat, nps, has_order, converted, first_customer_at,
         first_response_at, category, segment, priority, _tags) = values  # fmt: skip
        created_at = instant(created_at)
        judged = judged_seconds(policy, frt, instant(first_customer_at), instant(first_response_at))
        row = Row(
            customer=str(customer_id),
            created_at=created_at,
            has_customer_message=customer_messages > 0,
            first_response_s=frt,
            handle_time_s=handle,
            resolved_at=instant(resolved_at),
            complaint=bool(complaint),
            escalations=tuple(escalations.get(pk, ())),
            csat=csat,
            nps=nps,
            order_converted=bool(converted) if has_order else None,
            repeat_contact=repeat.get(pk, False),
            first_response_target_s=policy.first_response_s if policy else None,
            first_response_judged_s=judged,
            first_customer_at=instant(first_customer_at),
            handle_start=handle_starts.get(pk),
            business=spans[policy.id] if policy else None,
        )
        stats = contribution(row)
        day = created_at.astimezone(tz).date()
        out.append(
            (
                pk,
                adapt_date(day),
                agent_id,
                team_id,
                channel,
                customer_id,
                frt,
                business_first_response_s(row),
                policy.id if policy else None,
                *tuple(stats[k] for k in STATS),
            )
        )
    return out


def _write_facts(ids: Sequence[int], repeat: dict[int, bool]) -> set[date]:
    """Replace the facts of these conversations; returns the days touched (old and new)."""
    days: set[date] = set()
    for chunk in _chunks(list(ids)):
        facts = where_in(KpiFact.objects.all(), "conversation_id", chunk)
        days.update(facts.values_list("day", flat=True).distinct())
        facts.delete()
        rows = _fact_rows(chunk, repeat)
        insert_rows(KpiFact, FACT_COLUMNS, rows)
        days.update(date.fromisoformat(str(r[1])) for r in rows)
    return days


def mark_dirty(days: Iterable[date]) -> None:
    mark = time.time_ns()
    DirtyDay.objects.bulk_create(
        [DirtyDay(day=d, mark=mark) for d in sorted(set(days))],
        update_conflicts=True,
        unique_fields=["day"],
        update_fields=["mark"],
    )


def refresh_facts(conversation_ids: Iterable[int]) -> None:
    """Recompute the facts of these (just written) conversations and of every other
    conversation of their customers whose repeat-contact flag changed because of them."""
    ids = set(conversation_ids)
    if not ids:
        return
    customers = {
        customer
        for (customer,) in raw_rows(
            where_in(Conversation.objects.all(), "id", list(ids)).values_list("customer_id")
        )
    }
    repeat = _repeat_flags(_histories(customers))
    others = [pk for pk in repeat if pk not in ids]
    for chunk in _chunks(others):
        for pk, stored in where_in(KpiFact.objects.all(), "conversation_id", chunk).values_list(
            "conversation_id", "repeat_contacts"
        ):
            if bool(stored) != repeat[pk]:
                ids.add(pk)
    with transaction.atomic():
        mark_dirty(_write_facts(sorted(ids), repeat))


# --- the queue -------------------------------------------------------------------------
BULK = 5000  # queued conversations worked off per transaction


def queue(conversation_ids: Iterable[int]) -> None:
    queue_ids(PendingFact, "conversation_id", conversation_ids, mark_column="mark")


# Refreshes run one at a time across processes (PostgreSQL): two would write the same
# facts of customers' other conversations. Writers never wait for this lock.
REFRESH_LOCK = 7_451_002


def refresh_pending(*, timeout_s: float | None = None) -> int | None:
    """Compute the facts of queued conversations; returns how many (None when another
    process's refresh held the lock for longer than `timeout_s`: the rest is left to it).

    The queue rows are read without a lock and taken off only after the facts are
    committed, and only with the mark that was read: a writer (an import batch, a live
    message) holding its conversations never waits for a refresh that waits for them
    (the deadlock the topology run found), and a conversation written again meanwhile
    stays queued for the next pass.

    The walk ends at the last conversation queued when it began: a dashboard read during a
    large import does the backlog it found, not every batch the import stores while it
    walks (the full topology run's reads took 8-23 s). What comes later is left to the
    import's own task (queued when it ends) or the next read."""
    done = 0
    after: int | None = None  # the queue is walked once, in id order
    upto = PendingFact.objects.aggregate(last=Max("conversation_id"))["last"]
    if upto is None:
        return 0
    while True:
        with transaction.atomic():
            if not one_at_a_time(REFRESH_LOCK, timeout_s=timeout_s):
                return None
            taken = next_marked(PendingFact, "conversation_id", "mark", after, BULK, upto)
            if not taken:
                return done
            refresh_facts([pk for pk, _ in taken])
        unqueue_marked(PendingFact, "conversation_id", "mark", taken)
        done += len(taken)
        after = taken[-1][0]


def refresh() -> None:
    """Bring facts and roll-ups up to date with every written conversation (inside
    `page_read`: at most a page's worth of work, see there)."""
    page = _page.get()
    if page is None:
        refresh_all()
    elif not page.decided:  # a page calls refresh() for each figure; it decides once
        page.decided = True
        _refresh_for_page(page)


def refresh_all() -> None:
    refresh_pending()  # one query when nothing is queued
    refresh_dirty_days()


# --- reads from pages -------------------------------------------------------------------
# What a page read still does itself, measured at 1 M conversations on PostgreSQL: 2,000
# queued conversations take 0.6-1.2 s, re-summing a day ~14 ms (a year: 5 s).
PAGE_BACKLOG = 2000
PAGE_DAYS = 62
PAGE_LOCK_WAIT_S = 1.0  # how long a page waits for a worker's refresh


@dataclass
class PageRead:
    """What the refresh of one page request did: `behind` when it left work to the workers
    (the figures are as of the last refresh), `counting` the conversations still queued."""

    limit: int
    decided: bool = False
    behind: bool = False
    counting: int = 0


_page: ContextVar[PageRead | None] = ContextVar("kefu_metrics_page_read", default=None)


@contextmanager
def page_read(limit: int | None = None) -> Iterator[PageRead]:
    """Bound `refresh()` for a person waiting on a page. A backlog of at most `limit` queued
    conversations is counted at once, as before every read. A larger one (an import under
    way: the first dashboard read of the full topology run took 21-30 s) is left to a worker
    (`page_reads.counted_on_page` asks one), and so are more than PAGE_DAYS days to re-sum;
    a worker's refresh under way is waited for at most PAGE_LOCK_WAIT_S. The page then
    shows the figures of the last refresh and says so (`PageRead.behind`). The command, the
    API and the exports stay exact: they refresh in full."""
    state = PageRead(PAGE_BACKLOG if limit is None else limit)
    token = _page.set(state)
    try:
        yield state
    finally:
        _page.reset(token)


def page_state() -> PageRead | None:
    """The current page read's outcome (None outside `page_read`)."""
    return _page.get()


def _refresh_for_page(page: PageRead) -> None:
    if (
        PendingFact.objects.all()[: page.limit + 1].count() > page.limit
        or refresh_pending(timeout_s=PAGE_LOCK_WAIT_S) is None  # a worker is counting them
    ):
        page.behind = True
        page.counting = PendingFact.objects.count()
    elif DirtyDay.objects.all()[: PAGE_DAYS + 1].count() > PAGE_DAYS:
        page.behind = True  # say, a backfill spread over last year: a worker re-sums them
    elif refresh_dirty_days(timeout_s=PAGE_LOCK_WAIT_S) is None:  # a worker is re-summing
        page.behind = True


# --- daily roll-ups ---------------------------------------------------------------------
CELL = ("day", "agent_id", "team_id", "channel")
ROLLUP_COLUMNS = (*CELL, "frt_counts", "biz_frt_counts", *STATS)


def _rollup_rows(days: Sequence[date]) -> list[tuple]:
    """Database rows (ROLLUP_COLUMNS order) summing the facts of these days."""
    facts = KpiFact.objects.filter(day__in=days)
    frts: dict[tuple, Counter] = defaultdict(Counter)
    biz_frts: dict[tuple, Counter] = defaultdict(Counter)
    for *cell, frt, biz_frt in raw_rows(
        facts.filter(frt_s__isnull=False).values_list(*CELL, "frt_s", "biz_frt_s")
    ):
        frts[tuple(cell)][frt] += 1
        biz_frts[tuple(cell)][frt if biz_frt is None else biz_frt] += 1
    sums = raw_rows(facts.values_list(*CELL).annotate(*(Sum(k) for k in STATS)).order_by())
    adapt_date = connection.ops.adapt_datefield_value
    rows = []
    for day, agent_id, team_id, channel, *stats in sums:
        cell = (day, agent_id, team_id, channel)
        counts, biz_counts = frts.get(cell), biz_frts.get(cell)
        blob = distribution.pack(counts) if counts else b""
        biz_blob = distribution.pack(biz_counts) if biz_counts else b""
        rows.append(
            (adapt_date(day), agent_id, team_id, channel, blob, biz_blob, *(v or 0 for v in stats))
        )
    return rows


def resum_days(days: Iterable[date]) -> None:
    for chunk in _chunks(sorted(set(days)), 31):
        rows = _rollup_rows(chunk)
        DailyKpi.objects.filter(day__in=chunk).delete()
        insert_rows(DailyKpi, ROLLUP_COLUMNS, rows)


def refresh_dirty_days(*, timeout_s: float | None = None) -> int | None:
    """Re-sum the roll-ups of days whose facts changed; returns how many days (None when
    another process's refresh held the lock for longer than `timeout_s`)."""
    if not DirtyDay.objects.exists():  # the common case: one indexed probe, no lock
        return 0
    with transaction.atomic():
        if not one_at_a_time(REFRESH_LOCK, timeout_s=timeout_s):
            return None
        # skip_locked: a concurrent refresh (PostgreSQL) already has these days.
        dirty = list(
            DirtyDay.objects.select_for_update(skip_locked=True).values_list("day", "mark")
        )
        if not dirty:
            return 0
        resum_days(d for d, _ in dirty)
        for chunk in _chunks(dirty, 200):
            condition = Q()
            for day, mark in chunk:
                condition |= Q(day=day, mark=mark)
            DirtyDay.objects.filter(condition).delete()  # a newer mark stays dirty
    return len(dirty)


def rebuild_all(on_progress: Callable[[int, int], None] | None = None) -> int:
    """Recompute every fact and roll-up from the conversations; returns the number of
    conversations. Runs in one transaction: readers see the old figures until it ends."""
    total = Conversation.objects.count()
    done = 0
    customer_ids = list(
        Conversation.objects.order_by().values_list("customer_id", flat=True).distinct()
    )
    with transaction.atomic():
        KpiFact.objects.all().delete()
        DailyKpi.objects.all().delete()
        DirtyDay.objects.all().delete()
        PendingFact.objects.all().delete()
        days: set[date] = set()
        for chunk in _chunks(sorted(customer_ids), 500):
            history = _histories(chunk)
            repeat = _repeat_flags(history)
            ids = [pk for entries in history.values() for _, pk in entries]
            for part in _chunks(ids):
                rows = _fact_rows(part, repeat)
                insert_rows(KpiFact, FACT_COLUMNS, rows)
                days.update(date.fromisoformat(str(r[1])) for r in rows)
                done += len(rows)
            if on_progress:
                on_progress(done, total)
        resum_days(days)
    return done


def facts_in_step() -> bool:
    """True when every conversation has its fact (false after an upgrade that added the
    metrics tables to a database with conversations: run `kefu metrics_rebuild`)."""
    return KpiFact.objects.count() == Conversation.objects.count()
