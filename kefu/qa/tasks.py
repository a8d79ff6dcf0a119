"""Background work of the QA domain (django-tasks; `kefu db_worker` runs them) and the
functions that queue it: `scoring` computes and knows nothing of the queue."""

from __future__ import annotations

from collections.abc import Callable

from django.utils import timezone
from django_tasks import task

from kefu.lib.tasks import enqueue_or_fail
from kefu.qa import scoring, store
from kefu.qa.models import QaRun, RunStatus, RunTrigger, ScorecardVersion


@task()
def score_pending_task() -> int:
    """Score the conversations queued by imports (queued when an import ends)."""
    return scoring.score_pending()


@task()
def run_rescore(run_id: int) -> dict:
    """Re-score every conversation for a QaRun; the run row tracks progress and outcome."""
    run = scoring.execute_run(run_id)
    if run is None:
        return {"status": "missing"}
    return {"status": run.status, "done": run.done, "total": run.total}


# --- queueing re-scoring runs -------------------------------------------------------------


def start_rescore(
    version: ScorecardVersion | None,
    trigger: str = RunTrigger.MANUAL,
    user=None,
) -> QaRun:
    """A QaRun over every conversation with this version, run by a background task."""
    return _enqueue(scoring.create_run(version or store.default_version(), trigger, user))


def _enqueue(run: QaRun) -> QaRun:
    return enqueue_or_fail(run_rescore, run, queued=RunStatus.QUEUED, failed=RunStatus.FAILED,
                           what="the re-score")  # fmt: skip


def restart_run(run: QaRun, on_progress: Callable[[int, int], None] | None = None) -> QaRun:
    """Go on with a failed or stalled run after the last chunk it finished (scoring a
    conversation again with the same version replaces its result, so a chunk cut off
    half-way is simply done again): in a background task, or here with `on_progress`
    (the `kefu qa rescore --resume` command)."""
    QaRun.objects.filter(pk=run.pk).update(
        status=RunStatus.QUEUED, error="", finished_at=None, heartbeat_at=timezone.now()
    )
    if on_progress is None:
        return _enqueue(run)
    scoring.execute_run(run.pk, on_progress)
    run.refresh_from_db()
    return run
