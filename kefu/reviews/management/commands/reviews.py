"""`kefu reviews sample`: run the sampling plans (for cron; see docs/qa-review.md)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kefu.lib.errors import ActionError
from kefu.reviews import actions
from kefu.reviews.choices import RunTrigger
from kefu.reviews.models import SamplingPlan


class Command(BaseCommand):
    help = "Human QA: `sample` runs the scheduled sampling plans (or one with --plan)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sample = sub.add_parser("sample", help="sample conversations for review and assign them")
        sample.add_argument("--plan", type=int, help="this plan only (also when not scheduled)")
        sample.add_argument(
            "--now",
            action="store_true",
            help="sample the current period so far (default: the last complete period)",
        )
        sample.add_argument("--date", type=date.fromisoformat, help="count periods from this day")

    def handle(self, *args: Any, **options: Any) -> None:
        plans = SamplingPlan.objects.filter(active=True)
        if options["plan"]:
            plans = SamplingPlan.objects.filter(pk=options["plan"])
            if not plans.exists():
                raise CommandError(f"no sampling plan {options['plan']}")
        trigger = RunTrigger.MANUAL if options["now"] or options["plan"] else RunTrigger.SCHEDULE
        failed = False
        for plan in plans.order_by("pk"):
            try:
                run = actions.run_plan(
                    plan, trigger=trigger, today=options["date"], current=options["now"]
                )
            except ActionError as exc:
                failed = True
                self.stderr.write(f"{plan.pk} {plan.name}: {exc.detail}")
                continue
            self.stdout.write(
                f"{plan.pk} {plan.name}: {run.period_start}–{run.period_end} "
                f"candidates {run.candidates}, sampled {run.sampled}, assigned {run.assigned}"
            )
        if failed:
            raise CommandError("some plans could not run")
