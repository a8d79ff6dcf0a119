"""`kefu training …`: training housekeeping from the command line.

`kefu training load_scenarios`: store the shipped practice scenarios
(kefu/training/data/scenarios/*.yaml) as builtin rows. Idempotent: an unchanged file
changes nothing, a changed one updates its builtin row, a scenario a trainer saved
(builtin=False) is never overwritten.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Training: `kefu training load_scenarios` loads the shipped practice scenarios."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        # training: practice
        sub.add_parser(
            "load_scenarios",
            help="store the shipped practice scenarios (idempotent; trainers' own versions "
            "are kept)",
        )

    def handle(self, *args, **options):
        # training: practice
        if options["action"] == "load_scenarios":
            return self._load_scenarios()
        raise CommandError(f"unknown action {options['action']!r}")

    def _load_scenarios(self) -> None:
        from django.db import transaction

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
