"""Run the due jobs of the schedule table, each slot once across every runner and host.

`run_due()` is what `kefu scheduler` calls every minute (or `kefu scheduler --once` from a
systemd timer or cron). For each job: the latest slot of its cron expression at or before
now (local time); the job is due when that slot is later than the last one claimed. A
runner claims it with one conditional UPDATE (slot not yet claimed, no live lock), which
on SQLite and PostgreSQL alike lets exactly one of several simultaneous runners through;
on PostgreSQL the winner also holds an advisory lock while the job runs. Missed slots (the
scheduler was down) collapse into one run when it is back; a new job waits for its next
slot.
"""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from django.db import OperationalError, connection
from django.db.models import F, Q
from django.utils import timezone

from kefu.ops import prom
from kefu.ops.jobs import Job, enabled_jobs
from kefu.ops.models import ScheduledJob

log = logging.getLogger("kefu.scheduler")
T = TypeVar("T")


def runner_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass(frozen=True)
class Outcome:
    job: str
    status: str  # "ok", "failed", "skipped" (not due), "busy" (another runner has it)
    duration_ms: int | None = None


def latest_slot(job: Job, now: datetime) -> datetime | None:
    """The job's last slot at or before `now`, as an aware datetime."""
    local = timezone.localtime(now)
    slot = job.parsed.latest(local.replace(tzinfo=None))
    return timezone.make_aware(slot, local.tzinfo) if slot else None


def _advisory_key(name: str) -> int:
    # A stable signed 64-bit key per job (PostgreSQL's advisory lock space).
    return zlib.crc32(f"kefu.scheduler:{name}".encode()) - 2**31


def _advisory(name: str, take: bool) -> bool:
    if connection.vendor != "postgresql":
        return True
    function = "pg_try_advisory_lock" if take else "pg_advisory_unlock"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {function}(%s)", [_advisory_key(name)])
        return bool(cursor.fetchone()[0])


def _retrying_locks(query: Callable[[], T], tries: int = 20) -> T:
    """Run one query again while SQLite reports its table locked.

    Two runners on one SQLite database can collide on the write lock; an in-memory or
    shared-cache database reports that at once instead of waiting out the busy timeout.
    Each query here is a read or a conditional UPDATE, so running it again is safe.
    """
    for attempt in range(tries):
        try:
            return query()
        except OperationalError as exc:
            if "locked" not in str(exc) or attempt == tries - 1:
                raise
            time.sleep(0.005 * (attempt + 1))
    raise AssertionError("unreachable")


def claim(job: Job, slot: datetime, runner: str, now: datetime) -> bool:
    """Take the job for `slot`: True for exactly one runner per slot."""
    return _retrying_locks(lambda: _claim(job, slot, runner, now)) == 1


def _claim(job: Job, slot: datetime, runner: str, now: datetime) -> int:
    return (
        ScheduledJob.objects.filter(name=job.name)
        .filter(Q(slot__isnull=True) | Q(slot__lt=slot))
        .filter(Q(locked_until__isnull=True) | Q(locked_until__lt=now))
        .update(
            slot=slot,
            locked_by=runner,
            locked_until=now + timedelta(seconds=job.timeout_s),
            last_started_at=now,
            last_status="running",
        )
    )


def release(job: Job, runner: str, ok: bool, duration_ms: int, error: str = "") -> None:
    finished = timezone.now()
    changes: dict = {
        "locked_by": "",
        "locked_until": None,
        "last_finished_at": finished,
        "last_status": "ok" if ok else "failed",
        "last_duration_ms": duration_ms,
        "last_error": error[:500],
        "runs": F("runs") + 1,
    }
    if ok:
        changes["last_success_at"] = finished
    else:
        changes["failures"] = F("failures") + 1
    _retrying_locks(
        lambda: ScheduledJob.objects.filter(name=job.name, locked_by=runner).update(**changes)
    )


def run_job(job: Job, runner: str, slot: datetime, now: datetime) -> Outcome:
    """Claim, run and release one job (the caller found it due)."""
    if not _advisory(job.name, take=True):
        return Outcome(job.name, "busy")
    try:
        if not claim(job, slot, runner, now):
            return Outcome(job.name, "busy")
        log.info("job %s started (slot %s)", job.name, slot.isoformat())
        started = time.perf_counter()
        error = ""
        try:
            job.run()
        except Exception as exc:  # a failing job is recorded; the others still run
            error = f"{type(exc).__name__}: {exc}"
            log.exception("job %s failed", job.name)
        seconds = time.perf_counter() - started
        duration_ms = round(seconds * 1000)
        release(job, runner, ok=not error, duration_ms=duration_ms, error=error)
        prom.observe_scheduled_job(job.name, seconds, failed=bool(error))
        log.info("job %s %s in %d ms", job.name, "failed" if error else "done", duration_ms)
        return Outcome(job.name, "failed" if error else "ok", duration_ms)
    finally:
        _advisory(job.name, take=False)


def run_due(
    jobs: Iterable[Job] | None = None,
    *,
    runner: str | None = None,
    now: Callable[[], datetime] = timezone.now,
) -> list[Outcome]:
    """Run every due job once, in table order; the outcome of each job."""
    runner = runner or runner_id()
    jobs = tuple(enabled_jobs() if jobs is None else jobs)
    known = _retrying_locks(
        lambda: dict(
            ScheduledJob.objects.filter(name__in=[j.name for j in jobs]).values_list("name", "slot")
        )
    )
    outcomes = []
    for job in jobs:
        moment = now()
        slot = latest_slot(job, moment)
        if job.name not in known:
            # First sight: the job starts with its next slot (a nightly job does not run in
            # the afternoon it was installed). ignore_conflicts: another runner may insert.
            _retrying_locks(
                lambda job=job, slot=slot: ScheduledJob.objects.bulk_create(
                    [ScheduledJob(name=job.name, slot=slot)], ignore_conflicts=True
                )
            )
            outcomes.append(Outcome(job.name, "skipped"))
            continue
        last = known[job.name]
        if slot is None or (last is not None and last >= slot):
            outcomes.append(Outcome(job.name, "skipped"))
            continue
        outcomes.append(run_job(job, runner, slot, moment))
    return outcomes


def next_times(jobs: Iterable[Job], now: datetime) -> dict[str, datetime | None]:
    """Each job's next slot after `now` (aware), for `kefu scheduler --list`."""
    local = timezone.localtime(now)
    result = {}
    for job in jobs:
        upcoming = job.parsed.next_after(local.replace(tzinfo=None))
        result[job.name] = timezone.make_aware(upcoming, local.tzinfo) if upcoming else None
    return result
