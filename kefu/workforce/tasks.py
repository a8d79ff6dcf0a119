"""Background work of workforce planning (django-tasks; `kefu db_worker` runs them)."""

from __future__ import annotations

from django_tasks import task

from kefu.workforce import building


@task()
def build_roster_task(roster_id: int) -> dict:
    """Build a queued roster; the Roster row tracks the phase and the outcome."""
    roster = building.execute_build(roster_id)
    if roster is None:
        return {"status": "missing"}
    return {"status": roster.status, "solver_status": roster.solver_status}
