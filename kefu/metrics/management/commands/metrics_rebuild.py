"""`kefu metrics_rebuild`: recompute every KPI fact and daily roll-up.

Imports keep them current by themselves; run this after upgrading a database that
already had conversations, or after changing KEFU_TIME_ZONE (days are local days).
"""

import time

from django.core.management.base import BaseCommand

from kefu.metrics.facts import rebuild_all


class Command(BaseCommand):
    help = "Recompute every KPI fact and daily roll-up from the stored conversations."

    def handle(self, *args, **options):
        started = time.perf_counter()
        last = [0.0]

        def progress(done: int, total: int) -> None:
            if time.perf_counter() - last[0] > 5:
                last[0] = time.perf_counter()
                self.stderr.write(f"  {done:,} / {total:,} conversations")

        count = rebuild_all(progress)
        self.stderr.write(
            f"rebuilt KPI facts of {count:,} conversations in {time.perf_counter() - started:.1f} s"
        )
