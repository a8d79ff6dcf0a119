"""Health (/healthz) and readiness (/readyz) checks for load balancers and orchestrators.

/healthz: the process answers (no database, nothing else). /readyz: this process can serve
— the database answers, every migration is applied, and the channel layer and task
backend answer when they are Redis. The answers name the checks and say "ok" or "fail",
never why (addresses, errors): the reason goes to the log.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

log = logging.getLogger("kefu.ops")

_migrations_applied = False


def check_database() -> None:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_migrations() -> None:
    """Every migration this code knows is applied (once true, remembered: the process's
    code does not change, and applied migrations stay applied)."""
    global _migrations_applied
    if _migrations_applied:
        return
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        raise RuntimeError(f"{len(plan)} migrations not applied")
    _migrations_applied = True


def _redis_ping(url: str) -> None:
    import redis

    client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
    try:
        if not client.ping():
            raise RuntimeError("no PONG")
    finally:
        client.close()


def check_channel_layer() -> None:
    layer = settings.CHANNEL_LAYERS["default"]
    for host in layer.get("CONFIG", {}).get("hosts", []):
        _redis_ping(host if isinstance(host, str) else host["address"])


def check_tasks() -> None:
    backend = settings.TASKS["default"]["BACKEND"]
    if backend == "django_tasks_db.DatabaseBackend":
        from django_tasks_db.models import DBTaskResult

        DBTaskResult.objects.only("id").first()
    elif backend == "django_tasks_rq.RQBackend":
        for queue in settings.RQ_QUEUES.values():
            _redis_ping(queue["URL"])


def checks() -> dict[str, Callable[[], None] | None]:
    """The readiness checks that apply to this configuration (None: not configured)."""
    redis_layer = settings.CHANNEL_LAYERS["default"]["BACKEND"].startswith("channels_redis")
    backend = settings.TASKS["default"]["BACKEND"]
    tasks_here = backend in {"django_tasks_db.DatabaseBackend", "django_tasks_rq.RQBackend"}
    return {
        "database": check_database,
        "migrations": check_migrations,
        "channel_layer": check_channel_layer if redis_layer else None,
        "tasks": check_tasks if tasks_here else None,
    }


def readiness() -> tuple[bool, dict[str, str]]:
    """(ready, {check: "ok" | "fail" | "skipped"}); the migrations check only runs when
    the database answered."""
    results: dict[str, str] = {}
    for name, check in checks().items():
        if check is None:
            results[name] = "skipped"
            continue
        if name == "migrations" and results.get("database") != "ok":
            results[name] = "fail"
            continue
        try:
            check()
        except Exception:
            log.warning("readiness check %s failed", name, exc_info=True)
            results[name] = "fail"
        else:
            results[name] = "ok"
    return all(v != "fail" for v in results.values()), results
