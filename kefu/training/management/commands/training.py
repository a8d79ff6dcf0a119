"""`kefu training assign`: run the assignment rules (QA → lesson); for cron, or to
back-fill a past day (`--date`). The rules also run after every QA scoring."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from kefu.training.actions.assignments import run_rules


class Command(BaseCommand):
    help = "Training: `assign` runs the active assignment rules (QA findings → lessons)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        assign = sub.add_parser("assign", help="assign lessons to the agents the rules name")
        assign.add_argument(
            "--date", type=date.fromisoformat, help="run as on this day (default: today)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        created = run_rules(today=options["date"])
        for rule, assignments in created.items():
            self.stdout.write(f"{rule.pk} {rule.name}: {len(assignments)} assigned")
        self.stdout.write(f"total: {sum(len(v) for v in created.values())} assigned")
