"""Retention clean-up of the operational rows that only grow: finished background task
results (django-tasks-db: under live traffic every web process queues a fact, QA and risk
task every few seconds, tens of thousands of rows a day), expired log-in sessions, and old
log-in logs (django-axes). Conversations, QA results, reviews and the audit log are never
touched here; uploaded import files have their own job (`kefu import_cleanup`)."""

from __future__ import annotations

from datetime import datetime, timedelta
from importlib import import_module

from django.conf import settings
from django.db.models import Q
from django.utils import timezone


def clean(now: datetime | None = None) -> dict[str, int | None]:
    """Delete what is past its retention; returns how many rows of each kind (None: that
    store is not in this database, e.g. task results kept by RQ in Redis, which expire
    there by themselves)."""
    now = now or timezone.now()
    return {
        "task_results": _task_results(now),
        "sessions": _sessions(now),
        "login_logs": _login_logs(),
    }


def _task_results(now: datetime) -> int | None:
    if settings.TASKS["default"]["BACKEND"] != "django_tasks_db.DatabaseBackend":
        return None
    from django_tasks_db.compat import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    # What `prune_db_task_results` deletes, for every queue, with the count returned.
    done = now - timedelta(days=settings.KEFU_TASK_RESULT_RETENTION_DAYS)
    failed = now - timedelta(days=settings.KEFU_FAILED_TASK_RETENTION_DAYS)
    results = DBTaskResult.objects.finished().filter(
        Q(status=TaskResultStatus.SUCCESSFUL, finished_at__lte=done)
        | Q(status=TaskResultStatus.FAILED, finished_at__lte=failed)
    )
    return results.delete()[0]


def _sessions(now: datetime) -> int | None:
    if settings.SESSION_ENGINE != "django.contrib.sessions.backends.db":
        import_module(settings.SESSION_ENGINE).SessionStore.clear_expired()
        return None
    from django.contrib.sessions.models import Session

    return Session.objects.filter(expire_date__lt=now).delete()[0]


def _login_logs() -> int:
    from axes.handlers.proxy import AxesProxyHandler

    days = settings.KEFU_LOGIN_LOG_RETENTION_DAYS
    return AxesProxyHandler.reset_logs(age_days=days) + AxesProxyHandler.reset_failure_logs(
        age_days=days
    )
