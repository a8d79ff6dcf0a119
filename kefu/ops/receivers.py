"""Task durations and failures for Prometheus, from django-tasks' own signals (every
backend sends them: the database worker, RQ workers, the immediate backend)."""

from __future__ import annotations

from django.dispatch import receiver
from django_tasks.base import TaskResultStatus
from django_tasks.signals import task_finished

from kefu.ops import prom


@receiver(task_finished, dispatch_uid="kefu.ops.task_finished")
def task_done(sender, task_result, **kwargs) -> None:
    started, finished = task_result.started_at, task_result.finished_at
    seconds = (finished - started).total_seconds() if started and finished else 0.0
    failed = task_result.status == TaskResultStatus.FAILED
    prom.observe_task(task_result.task.module_path, seconds, failed)
