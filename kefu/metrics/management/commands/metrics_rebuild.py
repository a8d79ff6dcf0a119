"""`kefu metrics_rebuild`: recompute every KPI fact and daily roll-up.

Imports keep them current by themselves; run this after upgrading a database that
already had conversations, or after changing KEFU_TIME_ZONE (days are local days).
"""

import time

from django.core.management.base import BaseCommand

from kefu.lib.progress import Progress
from kefu.metrics.facts import rebuild_all


class Command(BaseCommand):
    help = "Recompute every KPI fact and daily roll-up from the stored conversations."

    def handle(self, *args, **options):
        started = time.perf_counter()
        last = [0.0]

        bar = Progress("KPI 指标重算 rebuilding", unit="conversations", stream=self.stderr)

        def progress(done: int, total: int) -> None:
            bar.update(done, total)
            if not bar.live and time.perf_counter() - last[0] > 5:
                last[0] = time.perf_counter()
                self.stderr.write(f"  {done:,} / {total:,} conversations")

        with bar:
            count = rebuild_all(progress)
        self.stderr.write(
            f"rebuilt KPI facts of {count:,} conversations in {time.perf_counter() - started:.1f} s"
        )
