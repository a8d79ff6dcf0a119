"""`kefu simulate`: demo conversations replayed as live traffic through the REST API.

Django-free on purpose: the command (and the live benchmark) drive a running server over
HTTP, because the embedded server's channel layer lives in that server's memory, so only
writes made by the server itself reach its consoles.

Timing. Each conversation keeps its real rhythm compressed by `speed`; conversations are
started one after another so that the messages begun so far keep pace with `rate`, and
the first ones are started "in the past" (warm start), so the rate holds from the first
second instead of ramping up while the first conversations get going. Message times
(`at`) keep the real gaps, so timing rules (slow replies, long waits) fire as in the demo,
and are shifted so that none is later than the moment it is sent.
"""

from __future__ import annotations

import heapq
import http.client
import statistics
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import orjson

# Longer conversations (e-mail threads, chats left overnight) do not fit a live replay.
MAX_SPAN_S = 3600.0
# A conversation is closed this long (real seconds, compressed) after its last message
# at most, whatever the record's closed_at says.
MAX_CLOSE_GAP_S = 60.0
# Conversations already under way at a warm start are created over this many seconds.
WARM_SPREAD_S = 2.0
RETRIES = 30  # a connection error (a server restarting) is retried for about this many s


# --- timing (pure) ---------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """When (seconds after the run starts) one conversation's requests are due.

    `create_at` posts the conversation with its first `first_batch` messages (more than
    one when a warm-started conversation already has messages in the past); `due[i]` is
    when message `first_batch + i` is appended; `close_at` is None when the run ends
    before the conversation does (it is left open)."""

    index: int
    start: float  # the conversation's (compressed) start; negative when warm-started
    create_at: float
    first_batch: int
    due: tuple[float, ...]
    past: int  # messages of the first batch that were due before the run (warm start)
    close_at: float | None


def plan(
    offsets: Sequence[Sequence[float]],
    rate: float,
    duration: float,
    speed: float,
    *,
    close_gaps: Sequence[float] | None = None,
    warm: bool = True,
) -> list[Plan]:
    """Schedule conversations (each given as its messages' offsets in real seconds from
    its start, ascending) so that about `rate` messages a second are due over
    `duration` seconds, each conversation's timing divided by `speed`.

    Conversation j starts when the messages of those before it are used up at `rate`
    (start_j = Σ len(before) / rate), so the long-run rate is exactly `rate` whatever
    the conversations' lengths. Warm start shifts every start back by the 90th
    percentile of the compressed conversation lengths. Conversations are used in order, cycling when
    there are not enough; nothing is due after `duration`."""
    if rate <= 0 or duration <= 0 or speed <= 0:
        raise ValueError("rate, duration and speed must be positive")
    usable = [i for i, o in enumerate(offsets) if o]
    if not usable:
        return []
    lengths = [offsets[i][-1] / speed for i in usable]
    # Nine in ten conversations are already under way at time 0 (the longest ones would
    # mostly be skipped as wholly in the past).
    shift = statistics.quantiles(lengths, n=10, method="inclusive")[-1] if warm else 0.0
    plans: list[Plan] = []
    begun = 0  # messages in the conversations started so far
    n = 0
    while True:
        start = begun / rate - shift
        if start > duration:
            break
        index = usable[n % len(usable)]
        times = [start + o / speed for o in offsets[index]]
        n += 1
        begun += len(times)
        if times[-1] < 0 or times[0] > duration:
            continue  # wholly before the run (warm start) or after it
        create_at = times[0]
        if create_at < 0:
            # Under way already: created during the first WARM_SPREAD_S seconds (in start
            # order) rather than all at once, with the messages due by then.
            create_at = (start + shift) / shift * WARM_SPREAD_S if shift else 0.0
        first_batch = max(1, sum(1 for t in times if t <= create_at))
        due = tuple(t for t in times[first_batch:] if t <= duration)
        gap = close_gaps[index] if close_gaps is not None else 0.0
        close_at = times[-1] + min(max(gap, 0.0), MAX_CLOSE_GAP_S) / speed
        finished = len(due) == len(times) - first_batch and close_at <= duration
        plans.append(
            Plan(
                index=index,
                start=start,
                create_at=create_at,
                first_batch=first_batch,
                due=due,
                past=sum(1 for t in times[:first_batch] if t < 0),
                close_at=max(close_at, create_at) if finished else None,
            )
        )
    return plans


def message_rate(plans: Iterable[Plan], duration: float) -> float:
    """Messages a second due during the run (the warm start's backlog left out)."""
    return sum(p.first_batch - p.past + len(p.due) for p in plans) / duration


# --- conversations from the demo generator ----------------------------------------------


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value)


@dataclass
class Source:
    """A demo conversation prepared for replay: its record and message offsets."""

    record: dict[str, Any]
    origin: datetime  # created_at
    offsets: list[float]  # each message's seconds after origin
    close_gap: float  # seconds from the last message to resolved/closed


def sources(records: Iterable[dict[str, Any]]) -> list[Source]:
    """Conversations of the demo records fit for a live replay (not e-mail, not empty,
    not longer than MAX_SPAN_S)."""
    found = []
    for record in records:
        if record.get("type") != "conversation" or record.get("channel") == "email":
            continue
        messages = record.get("messages") or []
        if not messages:
            continue
        origin = _at(record["created_at"])
        offsets = [max(0.0, (_at(m["at"]) - origin).total_seconds()) for m in messages]
        offsets = [max(offsets[: i + 1]) for i in range(len(offsets))]  # never backwards
        if offsets[-1] > MAX_SPAN_S:
            continue
        end = record.get("closed_at") or record.get("resolved_at")
        close_gap = (_at(end) - origin).total_seconds() - offsets[-1] if end else 0.0
        found.append(Source(record, origin, offsets, close_gap))
    return found


_TIMED = ("created_at", "resolved_at", "closed_at")


def _shift(value: str, delta: timedelta, latest: datetime | None = None) -> str:
    moved = _at(value) + delta
    if latest is not None and moved > latest:
        moved = latest
    return moved.isoformat()


@dataclass
class Replay:
    """One conversation being replayed: fresh ids and times, what has been sent."""

    source: Source
    plan: Plan
    external_id: str
    delta: timedelta  # added to every original time
    messages: list[dict[str, Any]] = field(default_factory=list)  # shifted, all of them
    sent: int = 0  # messages stored so far

    @classmethod
    def make(
        cls, source: Source, plan: Plan, external_id: str, run_start: datetime, speed: float
    ) -> Replay:
        # The last message is stamped at the moment it is due: the real gaps are kept and
        # every stamp is at or before its message's own send time.
        span = source.offsets[-1]
        last_due = run_start + timedelta(seconds=plan.start + span / speed)
        delta = last_due - timedelta(seconds=span) - source.origin
        messages = [{**m, "at": _shift(m["at"], delta)} for m in source.record.get("messages", [])]
        return cls(source, plan, external_id, delta, messages)

    def _customer(self) -> dict[str, Any]:
        customer = dict(self.source.record["customer"])
        # Live customers of their own: a replay never overwrites a demo customer.
        customer["id"] = f"LIVE-{customer['id']}"
        return customer

    def creation(self) -> dict[str, Any]:
        r = self.source.record
        body = {
            "type": "conversation",
            "id": self.external_id,
            "channel": r["channel"],
            "customer": self._customer(),
            "created_at": _shift(r["created_at"], self.delta),
            "status": "open",
            "category": r.get("category", []),
            "messages": self.messages[: self.plan.first_batch],
        }
        if r.get("agent"):
            body["agent"] = r["agent"]
        return body

    def closing(self, now: datetime) -> dict[str, Any]:
        """The whole record as it ended (status, survey, order…), with the messages that
        were stored; times that would lie after `now` are brought back to `now`."""
        r = self.source.record
        body = {k: v for k, v in r.items() if k not in ("demo_labels",)}
        body.update(self.creation())
        body["status"] = r.get("status") or "closed"
        body["messages"] = self.messages[: self.sent]
        for key in _TIMED:
            if r.get(key):
                body[key] = _shift(r[key], self.delta, now)
        for key in ("transfers", "escalations"):
            if r.get(key):
                body[key] = [
                    {
                        **item,
                        **{
                            k: _shift(item[k], self.delta, now)
                            for k in ("at", "resolved_at")
                            if item.get(k)
                        },
                    }
                    for item in r[key]
                ]
        if isinstance(r.get("survey"), dict) and r["survey"].get("at"):
            body["survey"] = {**r["survey"], "at": _shift(r["survey"]["at"], self.delta, now)}
        return body


# --- HTTP --------------------------------------------------------------------------------


class ApiClient:
    """A bearer-token JSON client with one keep-alive connection per thread (the standard
    library only)."""

    def __init__(self, base_url: str, token: str, timeout: float = 30.0) -> None:
        parts = urlsplit(base_url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or (443 if parts.scheme == "https" else 80)
        self.https = parts.scheme == "https"
        self.prefix = parts.path.rstrip("/")
        self.token = token
        self.timeout = timeout
        self._local = threading.local()

    def _connection(self) -> http.client.HTTPConnection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            cls = http.client.HTTPSConnection if self.https else http.client.HTTPConnection
            conn = cls(self.host, self.port, timeout=self.timeout)
            self._local.conn = conn
        return conn

    def _drop(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
        self._local.conn = None

    def request(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        """One request; raises OSError (http.client errors included) when the server
        cannot be reached."""
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}
        data = None
        if body is not None:
            data = orjson.dumps(body)
            headers["Content-Type"] = "application/json"
        conn = self._connection()
        try:
            conn.request(method, self.prefix + path, body=data, headers=headers)
            response = conn.getresponse()
            raw = response.read()
        except (OSError, http.client.HTTPException) as exc:
            self._drop()
            raise ConnectionError(str(exc) or type(exc).__name__) from exc
        if response.getheader("Connection", "").lower() == "close":
            self._drop()
        try:
            payload = orjson.loads(raw) if raw else None
        except orjson.JSONDecodeError:
            payload = raw.decode("utf-8", "replace")
        return response.status, payload

    def post(self, path: str, body: Any, retries: int = RETRIES) -> tuple[int, Any]:
        """POST, retrying connection errors (a restarting server) about once a second."""
        for attempt in range(retries + 1):
            try:
                return self.request("POST", path, body)
            except ConnectionError:
                if attempt == retries:
                    raise
                time.sleep(min(1.0, 0.1 * 2**attempt))
        raise AssertionError("unreachable")


def message_path(external_id: str) -> str:
    return f"/api/v1/conversations/{external_id}/messages"


# --- the run -------------------------------------------------------------------------------


@dataclass
class Stats:
    created: int = 0
    messages: int = 0  # messages stored (in creations and appends)
    closed: int = 0
    errors: int = 0
    retried_conflicts: int = 0  # a retried append answered 409: it was stored the first time
    lateness: list[float] = field(default_factory=list)  # s behind schedule per request
    last_error: str = ""


class Simulation:
    """Post the replays' requests on schedule with a pool of `workers` threads; one
    conversation's requests go strictly in order (the next is queued when the previous
    is answered)."""

    def __init__(
        self,
        client: ApiClient,
        replays: Sequence[Replay],
        *,
        workers: int = 16,
        progress: Callable[[float, Stats, int], None] | None = None,
        progress_every: float = 5.0,
    ) -> None:
        self.client = client
        self.replays = list(replays)
        self.workers = workers
        self.progress = progress
        self.progress_every = progress_every
        self.stats = Stats()
        self.open: set[int] = set()
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int, int]] = []  # (due, replay, step)
        self._inflight = 0

    def _steps(self, replay: Replay) -> list[float]:
        p = replay.plan
        steps = [p.create_at, *p.due]
        if p.close_at is not None:
            steps.append(p.close_at)
        return steps

    def run(self, t0: float | None = None) -> Stats:
        """Run to the end of the plans; `t0` (time.monotonic()) is the plans' time 0."""
        self.t0 = time.monotonic() if t0 is None else t0
        self._heap = [(r.plan.create_at, i, 0) for i, r in enumerate(self.replays)]
        heapq.heapify(self._heap)
        next_report = self.progress_every
        with ThreadPoolExecutor(self.workers, thread_name_prefix="simulate") as pool:
            while True:
                with self._cond:
                    while True:
                        now = time.monotonic() - self.t0
                        if self.progress and now >= next_report:
                            self.progress(now, self.stats, len(self.open))
                            next_report += self.progress_every
                        if not self._heap and not self._inflight:
                            return self.stats
                        if self._heap and self._heap[0][0] <= now:
                            due, index, step = heapq.heappop(self._heap)
                            self._inflight += 1
                            break
                        wait = self._heap[0][0] - now if self._heap else self.progress_every
                        self._cond.wait(max(0.0, min(wait, next_report - now, 1.0)))
                pool.submit(self._do, due, index, step)

    def _do(self, due: float, index: int, step: int) -> None:
        replay = self.replays[index]
        steps = self._steps(replay)
        lateness = time.monotonic() - self.t0 - due
        try:
            self._send(replay, step, len(steps))
        except Exception as exc:  # a failed request is counted, the run goes on
            with self._cond:
                self.stats.errors += 1
                self.stats.last_error = f"{replay.external_id}: {exc}"
        with self._cond:
            self.stats.lateness.append(max(0.0, lateness))
            self._inflight -= 1
            if step + 1 < len(steps):
                heapq.heappush(self._heap, (steps[step + 1], index, step + 1))
            self._cond.notify()

    def _send(self, replay: Replay, step: int, steps: int) -> None:
        p = replay.plan
        closing = p.close_at is not None and step == steps - 1
        if step == 0:
            status, body = self.client.post("/api/v1/conversations", replay.creation())
            if status not in (200, 201) or (isinstance(body, dict) and body.get("rejected")):
                raise RuntimeError(f"create answered {status}: {_short(body)}")
            replay.sent = p.first_batch
            with self._cond:
                self.stats.created += 1
                self.stats.messages += p.first_batch
                self.open.add(id(replay))
        elif closing:
            now = datetime.now(UTC)
            status, body = self.client.post("/api/v1/conversations", replay.closing(now))
            if status not in (200, 201):
                raise RuntimeError(f"close answered {status}: {_short(body)}")
            with self._cond:
                self.stats.closed += 1
                self.open.discard(id(replay))
        else:
            message = replay.messages[replay.sent]
            status, body = self._append(replay.external_id, message)
            if status == 409 and _already_stored(body, message["id"]):
                with self._cond:
                    self.stats.retried_conflicts += 1
            elif status != 201:
                raise RuntimeError(f"append answered {status}: {_short(body)}")
            replay.sent += 1
            with self._cond:
                self.stats.messages += 1

    def _append(self, external_id: str, message: dict[str, Any]) -> tuple[int, Any]:
        return self.client.post(message_path(external_id), message)


def _already_stored(body: Any, message_id: str) -> bool:
    """A 409 naming the message's own id: an earlier attempt was stored (the server
    restarted before answering)."""
    errors = body.get("errors", []) if isinstance(body, dict) else []
    return any(e.get("id") == message_id and e.get("field") == "id" for e in errors)


def _short(body: Any) -> str:
    text = body if isinstance(body, str) else orjson.dumps(body).decode()
    return text[:200]
