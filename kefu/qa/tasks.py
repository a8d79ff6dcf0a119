"""Background work of the QA domain (django-tasks; `kefu db_worker` runs them)."""

from __future__ import annotations

from django_tasks import task

from kefu.qa import scoring


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
