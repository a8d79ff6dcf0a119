"""`kefu live_push_missed`: push the live alerts that were stored but never pushed to the
consoles (their web process died between the commit and the push). Scheduled every minute
(kefu/ops/jobs.py)."""

from __future__ import annotations

from datetime import timedelta

from django.core.management.base import BaseCommand

from kefu.monitoring.live import PUSH_GRACE, push_missed


class Command(BaseCommand):
    help = "Push the live alerts stored more than --grace-s seconds ago and never pushed."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--grace-s",
            type=float,
            default=PUSH_GRACE.total_seconds(),
            help="leave alerts younger than this to the web process that stored them",
        )

    def handle(self, *args, **options) -> None:
        pushed = push_missed(timedelta(seconds=options["grace_s"]))
        self.stdout.write(f"pushed {pushed} alert(s)")
