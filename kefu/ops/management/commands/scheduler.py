"""`kefu scheduler`: run the periodic jobs (kefu/ops/jobs.py) from one place.

    kefu scheduler            loop: run what is due, then sleep to the next minute
    kefu scheduler --once     run what is due now and exit (a systemd timer or cron, every minute)
    kefu scheduler --list     the table: each job's schedule, command, next and last run

Several schedulers (on several hosts) may run at once: each slot of each job runs once.
"""

from __future__ import annotations

import signal
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django.utils import timezone

from kefu.ops import scheduler
from kefu.ops.jobs import enabled_jobs
from kefu.ops.models import ScheduledJob


class Command(BaseCommand):
    help = "Run Kefu's periodic jobs (each once per slot across every scheduler)."

    def add_arguments(self, parser) -> None:
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument("--once", action="store_true", help="run what is due now and exit")
        mode.add_argument("--list", action="store_true", help="print the schedule table")

    def handle(self, *args, **options) -> None:
        if options["list"]:
            self._list()
            return
        if options["once"]:
            self._report(scheduler.run_due())
            return
        stopping = []
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stopping.append(True))
        runner = scheduler.runner_id()
        self.stdout.write(f"scheduler {runner}: {len(enabled_jobs())} jobs")
        while not stopping:
            close_old_connections()
            self._report(scheduler.run_due(runner=runner))
            # Wake a few seconds into the next minute; check for a stop every second.
            wake = 60 - time.time() % 60 + 2
            while wake > 0 and not stopping:
                time.sleep(min(1.0, wake))
                wake -= 1.0

    def _report(self, outcomes: list[scheduler.Outcome]) -> None:
        for outcome in outcomes:
            if outcome.status in {"ok", "failed"}:
                self.stdout.write(f"{outcome.job}: {outcome.status} ({outcome.duration_ms} ms)")

    def _list(self) -> None:
        jobs = enabled_jobs()
        now = timezone.now()
        upcoming = scheduler.next_times(jobs, now)
        rows = {r.name: r for r in ScheduledJob.objects.filter(name__in=[j.name for j in jobs])}
        for job in jobs:
            row = rows.get(job.name)
            nxt = upcoming[job.name]
            last = (
                f"{timezone.localtime(row.last_started_at):%Y-%m-%d %H:%M} {row.last_status}"
                if row and row.last_started_at
                else "never"
            )
            self.stdout.write(
                f"{job.name:30} {job.cron:14} kefu {' '.join(job.command):40} "
                f"next {timezone.localtime(nxt):%Y-%m-%d %H:%M} last {last}"
                if nxt
                else f"{job.name:30} {job.cron:14} never due"
            )
