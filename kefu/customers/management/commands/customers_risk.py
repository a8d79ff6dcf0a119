"""`kefu customers_risk [--as-of DATE]`: score every customer again (daily from cron:
the windows move with the date) and set the rule tags; prints the labels' shares.

`kefu customers_risk --monthly [--since YYYY-MM]`: keep every customer's label as of
the first day of each month (`RiskSnapshot`, read by the routing effect report): the
months not computed yet and the current one, or every month from `--since` again."""

from __future__ import annotations

import time
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kefu.customers import refresh


class Command(BaseCommand):
    help = (
        "Compute every customer's risk score, label and reasons (and their rule tags) as "
        "of a day (default: now, or the end of the newest stored contact's day); with "
        "--monthly, every customer's label as of the first day of each month."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--as-of", metavar="YYYY-MM-DD", help="history up to the end of this day"
        )
        parser.add_argument(
            "--monthly",
            action="store_true",
            help="the labels as of each month's first day (the months not computed yet "
            "and the current one; up to the month of --as-of)",
        )
        parser.add_argument(
            "--since", metavar="YYYY-MM", help="with --monthly: every month from this one again"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        as_of = None
        if options["as_of"]:
            try:
                as_of = refresh.as_of_day(date.fromisoformat(options["as_of"]))
            except ValueError:
                raise CommandError("--as-of must be a date: YYYY-MM-DD") from None
        if options["since"] and not options["monthly"]:
            raise CommandError("--since goes with --monthly")
        started = time.monotonic()
        if options["monthly"]:
            self._monthly(options["since"], as_of, started)
            return
        counts = refresh.refresh_all(as_of)
        total = sum(counts.values())
        self.stdout.write(
            f"{total} customers scored in {time.monotonic() - started:.1f} s: "
            f"{_shares(counts, total)}"
        )

    def _monthly(self, since_text: str | None, as_of: Any, started: float) -> None:
        since = None
        if since_text:
            try:
                since = date.fromisoformat(f"{since_text}-01")
            except ValueError:
                raise CommandError("--since must be a month: YYYY-MM") from None
        months = refresh.snapshot_due(since, as_of)
        counts = refresh.snapshot_months(months)
        for month in months:
            of_month = {label: counts[month, label] for label in ("high", "normal", "low")}
            total = sum(of_month.values())
            self.stdout.write(f"{month:%Y-%m}: {total} customers, {_shares(of_month, total)}")
        self.stdout.write(f"{len(months)} months in {time.monotonic() - started:.1f} s")


def _shares(counts: Any, total: int) -> str:
    return ", ".join(
        f"{label} {counts[label]} ({counts[label] / total:.1%})" if total else f"{label} 0"
        for label in ("high", "normal", "low")
    )
