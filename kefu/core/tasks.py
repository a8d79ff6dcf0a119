"""Tasks that belong to no domain (a round trip to prove the task backend works), and the
one way a domain queues the task behind a progress row."""

import logging

from django.db import models
from django.utils import timezone
from django_tasks import task

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
