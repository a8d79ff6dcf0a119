"""`kefu training …`: training housekeeping from the command line (and cron).

- `assign [--date D]`: run the assignment rules (QA → lesson); they also run after every
  QA scoring pass; `--date` back-fills a past day.
- `load_scenarios`: store the shipped practice scenarios (kefu/training/data/scenarios/
  *.yaml) as builtin rows. Idempotent: an unchanged file changes nothing, a changed one
  updates its builtin row, a scenario a trainer saved (builtin=False) is never overwritten.
- `remind`: notify agents and their supervisors of certificates about to expire (daily).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction


class Command(BaseCommand):
    help = (
        "Training: assign (QA findings → lessons), load_scenarios, remind (expiring certificates)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        assign = sub.add_parser("assign", help="assign lessons to the agents the rules name")
        assign.add_argument(
            "--date", type=date.fromisoformat, help="run as on this day (default: today)"
        )
        sub.add_parser(
            "load_scenarios",
            help="store the shipped practice scenarios (idempotent; trainers' own versions "
            "are kept)",
        )
        sub.add_parser("remind", help="remind of certificates that expire soon")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "assign":
            self._assign(options["date"])
        elif action == "load_scenarios":
            self._load_scenarios()
        elif action == "remind":
            from kefu.training.actions.certification import remind_expiring

            self.stdout.write(f"reminded: {remind_expiring()}")
        else:
            raise CommandError(f"unknown action {action!r}")

    def _assign(self, day: date | None) -> None:
        from kefu.training.actions.assignments import run_rules

        created = run_rules(today=day)
        for rule, assignments in created.items():
            self.stdout.write(f"{rule.pk} {rule.name}: {len(assignments)} assigned")
        self.stdout.write(f"total: {sum(len(v) for v in created.values())} assigned")

    def _load_scenarios(self) -> None:
        from kefu.training.actions.practice import sync_builtin_scenarios

        try:
            with transaction.atomic():
                report = sync_builtin_scenarios()
        except ValueError as exc:  # a shipped file that does not validate
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"practice scenarios: {report}")
        for label, codes in (("created", report.created), ("updated", report.updated),
                             ("kept", report.kept)):  # fmt: skip
            if codes:
                self.stdout.write(f"  {label}: {', '.join(codes)}")
