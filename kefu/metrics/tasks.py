"""Background work of the metrics domain."""

from __future__ import annotations

from django_tasks import task

from kefu.metrics import facts


@task()
def refresh_metrics() -> None:
    """Work off the KPI facts queue and re-sum dirty days (queued when an import ends;
    any read does the same first, so figures are never stale, only sometimes slower)."""
    facts.refresh_all()
