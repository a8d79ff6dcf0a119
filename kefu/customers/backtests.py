"""Running the risk index's back-test on the stored history (`core.backtest.run`): from
`kefu customers_backtest` and from the back-test page (a background task), the figures
kept on a `Backtest` row."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from kefu.customers import refresh
from kefu.customers.choices import BacktestStatus
from kefu.customers.core import backtest, risk
from kefu.customers.models import Backtest, RiskSettings
from kefu.interactions.models import Customer

log = logging.getLogger(__name__)
CUSTOMERS_PER_READ = 5000


def _histories(until) -> Iterator[list[risk.Contact]]:
    last = 0
    while True:
        ids = list(
            Customer.objects.filter(pk__gt=last)
            .order_by("pk")
            .values_list("pk", flat=True)[:CUSTOMERS_PER_READ]
        )
        if not ids:
            return
        yield from refresh.histories(ids, until=until).values()
        last = ids[-1]


def compute(
    as_of: date, horizon_days: int, windows: int = 1, weights: risk.Weights | None = None
) -> dict[str, Any]:
    """The back-test as of the end of `as_of` (local), outcome over the next days
    (`windows` > 1: that many consecutive windows pooled, see `core.backtest.run`)."""
    cut = refresh.as_of_day(as_of)
    horizon = timedelta(days=horizon_days)
    weights = weights or RiskSettings.current().weights()
    result = backtest.run(_histories(cut + horizon), cut, horizon, weights, windows)
    return result | {"as_of_day": as_of.isoformat()}


def execute(backtest_id: int) -> Backtest | None:
    """Run a queued back-test and store its figures (or why it failed)."""
    row = Backtest.objects.filter(pk=backtest_id, status=BacktestStatus.QUEUED).first()
    if row is None:
        return None
    row.status = BacktestStatus.RUNNING
    row.save(update_fields=["status"])
    try:
        row.result = compute(row.as_of, row.horizon_days, row.windows)
        row.status = BacktestStatus.DONE
    except Exception as exc:  # kept on the row for the page; the worker logs it too
        log.exception("risk back-test %s failed", backtest_id)
        row.status, row.error = BacktestStatus.FAILED, str(exc)[:2000]
    row.finished_at = timezone.now()
    row.save(update_fields=["status", "result", "error", "finished_at"])
    return row
