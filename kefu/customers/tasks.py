"""Background work of the customers domain."""

from __future__ import annotations

from django_tasks import task

from kefu.customers import refresh


@task()
def refresh_risk() -> None:
    """Score again the customers of the conversations queued since (an import, live
    messages, automatic QA scoring)."""
    refresh.refresh_pending()


@task()
def refresh_all_risk() -> None:
    """Score every customer again (after a re-score of every conversation)."""
    refresh.refresh_all()


@task()
def run_backtest(backtest_id: int) -> None:
    from kefu.customers.backtests import execute

    execute(backtest_id)
