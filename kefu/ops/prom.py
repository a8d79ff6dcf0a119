"""Prometheus metrics (prometheus-client), served at /metrics (docs/deployment.md).

Recorded as things happen: request latency by route (kefu.ops.middleware), task durations
and failures (kefu.ops.receivers), scheduled jobs (kefu.ops.scheduler), live alert latency
(kefu.monitoring.live). Read at scrape time from the database: the task queue depth
(django-tasks-db's ready tasks, or RQ's queue lengths) and each scheduled job's last
success. With PROMETHEUS_MULTIPROC_DIR set (several server or worker processes on one
host), every process writes its values there and a scrape of any one of them sums all.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
import socket
from collections.abc import Callable, Iterator

from django.conf import settings
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    values,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector

log = logging.getLogger("kefu.ops")


def _process_identifier() -> str:
    """Host name and pid: containers sharing one directory (deploy/compose.yaml) all have
    small pids, and two processes' values must never share a file."""
    return f"{socket.gethostname()}-{os.getpid()}".replace("_", "-")


if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    # Before the first value of Kefu's metrics is made (each label set makes one).
    values.ValueClass = values.MultiProcessValue(process_identifier=_process_identifier)

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
TASK_BUCKETS = (0.1, 0.5, 1.0, 5.0, 15.0, 60.0, 300.0, 900.0, 3600.0)

HTTP_LATENCY = Histogram(
    "kefu_http_request_duration_seconds",
    "Time from the request reaching Django to its response, by route pattern.",
    ["route", "method", "status"],
    buckets=LATENCY_BUCKETS,
)
TASK_DURATION = Histogram(
    "kefu_task_duration_seconds",
    "Background task run time (django-tasks), by task and outcome.",
    ["task", "status"],
    buckets=TASK_BUCKETS,
)
TASK_FAILURES = Counter("kefu_task_failures", "Background tasks that raised, by task.", ["task"])
JOB_DURATION = Histogram(
    "kefu_scheduled_job_duration_seconds",
    "Scheduled job run time (kefu scheduler), by job.",
    ["job"],
    buckets=TASK_BUCKETS,
)
JOB_FAILURES = Counter("kefu_scheduled_job_failures", "Scheduled jobs that raised.", ["job"])
ALERT_LATENCY = Histogram(
    "kefu_live_alert_latency_seconds",
    "From a live alert's storage (in the message's write transaction) to its push to the "
    "supervisor consoles' channel-layer groups.",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
)


def observe_request(route: str, method: str, status: int, seconds: float) -> None:
    HTTP_LATENCY.labels(route, method, f"{status // 100}xx").observe(seconds)


def observe_task(task: str, seconds: float, failed: bool) -> None:
    TASK_DURATION.labels(task, "failed" if failed else "ok").observe(seconds)
    if failed:
        TASK_FAILURES.labels(task).inc()


def observe_scheduled_job(job: str, seconds: float, failed: bool) -> None:
    JOB_DURATION.labels(job).observe(seconds)
    if failed:
        JOB_FAILURES.labels(job).inc()


def observe_alert_latency(seconds: float) -> None:
    ALERT_LATENCY.observe(max(seconds, 0.0))


def multiprocess() -> bool:
    return bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))


# The domain apps' durable work queues (KPI facts, QA scoring, risk refresh): rows written
# and not yet worked off. Apps register a count in ready(); ops never imports them.
_BACKLOGS: dict[str, Callable[[], int]] = {}


def register_backlog(queue: str, count: Callable[[], int]) -> None:
    _BACKLOGS[queue] = count


class DatabaseCollector:
    """Figures read at scrape time: queue depth, the work backlogs and the scheduled jobs'
    last success."""

    def collect(self) -> Iterator[Metric]:
        backlog = GaugeMetricFamily(
            "kefu_work_backlog",
            "Written items not yet worked off by their queue's worker (KPI facts: the "
            "conversations the KPI pages say are being counted), by queue.",
            labels=["queue"],
        )
        for queue, count in sorted(_BACKLOGS.items()):
            try:
                backlog.add_metric([queue], count())
            except Exception:
                log.warning("metrics: could not count the %s backlog", queue, exc_info=True)
        yield backlog
        depth = GaugeMetricFamily(
            "kefu_task_queue_depth",
            "Background tasks waiting to run, by backend and queue.",
            labels=["backend", "queue"],
        )
        for backend, queue, count in queue_depths():
            depth.add_metric([backend, queue], count)
        yield depth
        last = GaugeMetricFamily(
            "kefu_scheduled_job_last_success_timestamp_seconds",
            "When each scheduled job last finished without error (Unix time).",
            labels=["job"],
        )
        from kefu.ops.models import ScheduledJob

        try:
            rows = list(
                ScheduledJob.objects.exclude(last_success_at=None).values_list(
                    "name", "last_success_at"
                )
            )
        except Exception:
            log.warning("metrics: could not read the scheduled jobs", exc_info=True)
            rows = []
        for name, at in rows:
            last.add_metric([name], at.timestamp())
        yield last


def queue_depths() -> list[tuple[str, str, int]]:
    """(backend, queue, waiting tasks) for the configured task backend."""
    backend = settings.TASKS["default"]["BACKEND"]
    queues = settings.TASKS["default"].get("QUEUES") or ["default"]
    try:
        if backend == "django_tasks_db.DatabaseBackend":
            from django.db.models import Count
            from django_tasks_db.models import DBTaskResult

            counts = dict(
                DBTaskResult.objects.filter(status="READY")
                .values("queue_name")
                .annotate(n=Count("id"))
                .values_list("queue_name", "n")
            )
            return [("database", q, counts.get(q, 0)) for q in sorted({*queues, *counts})]
        if backend == "django_tasks_rq.RQBackend":
            import django_rq

            return [("rq", q, django_rq.get_queue(q).count) for q in queues]
    except Exception:
        log.warning("metrics: could not read the task queue depth", exc_info=True)
    return []


class _DefaultRegistry:
    """This process's own metrics (single-process mode)."""

    def collect(self) -> Iterator[Metric]:
        yield from REGISTRY.collect()


def exposition() -> tuple[bytes, str]:
    """The text a scrape receives, and its content type."""
    registry = CollectorRegistry(auto_describe=False)
    if multiprocess():
        MultiProcessCollector(registry)
    else:
        registry.register(_DefaultRegistry())  # type: ignore[arg-type]
    registry.register(DatabaseCollector())  # type: ignore[arg-type]
    return generate_latest(registry), CONTENT_TYPE_LATEST


def scrape_allowed(client: str | None, authorization: str) -> bool:
    """A scrape is allowed with the bearer token KEFU_METRICS_TOKEN, or from an address in
    KEFU_METRICS_ALLOWED_NETWORKS (default: this host only)."""
    token = settings.KEFU_METRICS_TOKEN
    given = authorization[7:].strip() if authorization.startswith("Bearer ") else ""
    if token and given and hmac.compare_digest(given.encode(), token.encode()):
        return True
    if not client:
        return False
    try:
        address = ipaddress.ip_address(client)
    except ValueError:
        return False
    return any(address in network for network in settings.KEFU_METRICS_NETWORKS)
