"""`kefu customers_risk [--as-of DATE]`: score every customer again (daily from cron:
the windows move with the date) and set the rule tags; prints the labels' shares."""

from __future__ import annotations

import time
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kefu.customers import refresh


class Command(BaseCommand):
    help = (
        "Compute every customer's risk score, label and reasons (and their rule tags) as "
        "of a day (default: now, or the end of the newest stored contact's day)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--as-of", metavar="YYYY-MM-DD", help="history up to the end of this day"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        as_of = None
        if options["as_of"]:
            try:
                as_of = refresh.as_of_day(date.fromisoformat(options["as_of"]))
            except ValueError:
                raise CommandError("--as-of must be a date: YYYY-MM-DD") from None
        started = time.monotonic()
        counts = refresh.refresh_all(as_of)
        total = sum(counts.values())
        shares = ", ".join(
            f"{label} {counts[label]} ({counts[label] / total:.1%})" if total else f"{label} 0"
            for label in ("high", "normal", "low")
        )
        self.stdout.write(
            f"{total} customers scored in {time.monotonic() - started:.1f} s: {shares}"
        )
