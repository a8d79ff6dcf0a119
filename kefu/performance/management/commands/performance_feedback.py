"""`kefu performance_feedback --rhythm weekly|monthly`: send each agent the summary of the
last whole week or month (cron: Mondays for weekly, the 1st for monthly). Idempotent per
agent and period (kefu/performance/actions/rhythms.py); `--date` runs as on that day."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from kefu.performance.core.methods import RHYTHMS


class Command(BaseCommand):
    help = (
        "Performance: send the weekly or monthly feedback summary to every agent (once per period)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--rhythm", choices=RHYTHMS, required=True)
        parser.add_argument(
            "--date", type=date.fromisoformat, help="run as on this day (default: today)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from kefu.performance.actions.rhythms import send_summaries

        result = send_summaries(options["rhythm"], today=options["date"])
        self.stdout.write(
            f"{options['rhythm']} {result.period.key} ({result.period.start} – "
            f"{result.period.end}): sent {result.sent}, already sent {result.skipped}"
        )
