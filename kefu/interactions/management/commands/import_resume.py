"""`kefu import_resume`: queue again the web imports whose worker was lost (killed, the
machine restarted). Scheduled every 5 minutes (kefu/ops/jobs.py); imports are idempotent,
so nothing is counted twice."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from kefu.interactions.tasks import resume_stalled


class Command(BaseCommand):
    help = "Queue again the imports with no worker heartbeat for KEFU_TASK_STALLED_AFTER_S."

    def handle(self, *args, **options) -> None:
        resumed = resume_stalled()
        self.stdout.write(
            f"resumed {len(resumed)} import(s){': ' if resumed else ''}"
            + ", ".join(str(pk) for pk in resumed)
        )
