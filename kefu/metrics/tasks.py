"""Background work of the metrics domain."""

from __future__ import annotations

from django_tasks import task

from kefu.lib.tasks import queue_or_run_now
from kefu.metrics import facts


@task()
def refresh_metrics() -> None:
    """Work off the KPI facts queue and re-sum dirty days (queued when an import ends, and
    by a KPI page that left the work; the command, the API and the exports do the same
    first, so their figures are never stale, only sometimes slower)."""
    facts.refresh_all()


def hand_over_refresh(*, live: bool) -> None:
    """Ask a worker to refresh the KPI figures (after an import; a live write or a page
    that left work: at most one task per few seconds, under one key for all of them)."""
    queue_or_run_now(refresh_metrics, facts.refresh_all, live=live, key="metrics-refresh")
