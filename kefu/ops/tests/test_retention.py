"""`kefu retention`: finished task results, expired sessions and old log-in logs go after
their retention; recent ones, queued tasks and business data stay."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.utils import timezone

from kefu.ops.retention import clean

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def task_result(status: str, finished_days_ago: float | None):
    from django_tasks_db.models import DBTaskResult

    finished = None
    if finished_days_ago is not None:
        finished = timezone.now() - timedelta(days=finished_days_ago)
    return DBTaskResult.objects.create(
        status=status,
        task_path="kefu.metrics.tasks.refresh_metrics",
        args_kwargs={"args": [], "kwargs": {}},
        queue_name="default",
        backend_name="default",
        priority=0,
        finished_at=finished,
        enqueued_at=timezone.now() - timedelta(days=60),
    )


@pytest.mark.django_db
def test_it_deletes_finished_task_results_past_their_retention(settings):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = DB_TASKS
    old_ok = task_result("SUCCESSFUL", 8)
    recent_ok = task_result("SUCCESSFUL", 6)
    old_failed = task_result("FAILED", 31)
    recent_failed = task_result("FAILED", 10)  # failures are kept longer, to be looked at
    waiting = task_result("READY", None)

    assert clean()["task_results"] == 2
    left = set(DBTaskResult.objects.values_list("pk", flat=True))
    assert left == {recent_ok.pk, recent_failed.pk, waiting.pk}
    assert old_ok.pk not in left and old_failed.pk not in left


@pytest.mark.django_db
def test_task_results_kept_by_rq_are_left_to_redis(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    assert clean()["task_results"] is None


@pytest.mark.django_db
def test_it_deletes_expired_sessions_only(settings):
    now = timezone.now()
    Session.objects.create(session_key="expired", session_data="x", expire_date=now - timedelta(1))
    Session.objects.create(session_key="current", session_data="x", expire_date=now + timedelta(1))
    assert clean()["sessions"] == 1
    assert list(Session.objects.values_list("session_key", flat=True)) == ["current"]


@pytest.mark.django_db
def test_it_deletes_log_in_logs_past_their_retention(settings):
    from axes.models import AccessLog

    settings.KEFU_LOGIN_LOG_RETENTION_DAYS = 90
    old = AccessLog.objects.create(username="mia", ip_address="10.0.0.1", user_agent="x")
    AccessLog.objects.filter(pk=old.pk).update(attempt_time=timezone.now() - timedelta(days=91))
    recent = AccessLog.objects.create(username="mia", ip_address="10.0.0.1", user_agent="x")
    assert clean()["login_logs"] == 1
    assert list(AccessLog.objects.values_list("pk", flat=True)) == [recent.pk]


@pytest.mark.django_db
def test_the_command_reports_what_it_deleted(settings, personas, import_records):
    from conftest import native_conversation
    from kefu.audit.models import AuditAction, AuditLog
    from kefu.interactions.models import Conversation

    settings.TASKS = DB_TASKS
    task_result("SUCCESSFUL", 30)
    import_records(native_conversation())
    AuditLog.objects.create(
        at=timezone.now() - timedelta(days=3650), actor="mia", action=AuditAction.choices[0][0]
    )
    audit = AuditLog.objects.count()
    out = StringIO()
    call_command("retention", stdout=out)
    assert out.getvalue().splitlines() == [
        "task_results: deleted 1",
        "sessions: deleted 0",
        "login_logs: deleted 0",
    ]
    assert Conversation.objects.count() == 1  # business data and the audit log stay
    assert AuditLog.objects.count() == audit
