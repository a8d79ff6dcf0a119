"""Tasks that belong to no domain (a round trip to prove the task backend works), and the
one way a domain queues the task behind a progress row."""

import logging
from datetime import timedelta

from django.core.cache import cache
from django.db import models
from django.utils import timezone
from django_tasks import task

# Live writes (one message at a time) would each queue the same follow-up task; one task
# per window, run after it, does the work of all of them.
LIVE_TASK_DELAY_S = 5.0

log = logging.getLogger(__name__)


def enqueue_or_fail(queued_task, row: models.Model, *, queued: str, failed: str, what: str):
    """Queue `queued_task(row.pk)` for a row that tracks its progress (status, error,
    finished_at); if the queue cannot be reached, the row says so instead of waiting
    forever. Returns the row as stored."""
    try:
        queued_task.enqueue(row.pk)
    except Exception as exc:
        log.warning("could not enqueue %s for %s %s", what, type(row).__name__, row.pk,
                    exc_info=True)  # fmt: skip
        type(row).objects.filter(pk=row.pk, status=queued).update(
            status=failed,
            error=f"could not queue {what}: {exc}"[:2000],
            finished_at=timezone.now(),
        )
    row.refresh_from_db()
    return row


@task()
def ping(value: int) -> int:
    """Doubles its input; `kefu` operators enqueue it to check that workers run tasks."""
    return value * 2


def queue_or_run_now(queued_task, run_now, *, live: bool, key: str) -> None:
    """Hand the work of a durable queue (KPI facts, QA scoring) to `queued_task`: for a
    live write at most one task per few seconds (`enqueue_soon` under `key`), after an
    import one task now. Without a reachable task queue, `run_now()` does the work at
    once rather than leave it to a later read (or to never)."""
    try:
        if live:
            enqueue_soon(queued_task, key)
        else:
            queued_task.enqueue()
    except Exception:
        log.warning("could not enqueue %s; running it now", key, exc_info=True)
        run_now()


def enqueue_soon(queued_task, key: str, delay_s: float = LIVE_TASK_DELAY_S) -> bool:
    """Queue a task that works off a durable queue (KPI facts, QA scoring) at most once
    per `delay_s` per process, to run `delay_s` after the first request of the window: every
    write of the window is stored before it runs, so none is left out. Backends that cannot
    defer (the tests' immediate one) run it every time. Returns whether it was queued."""
    if not queued_task.get_backend().supports_defer:
        queued_task.enqueue()
        return True
    if not cache.add(f"kefu:soon:{key}", True, timeout=delay_s):
        return False
    queued_task.using(run_after=timezone.now() + timedelta(seconds=delay_s)).enqueue()
    return True
