from django.core.management.base import BaseCommand

from kefu.ops.retention import clean


class Command(BaseCommand):
    help = (
        "Delete operational rows past their retention: finished background task results "
        "(KEFU_TASK_RESULT_RETENTION_DAYS, default 7; failed ones "
        "KEFU_FAILED_TASK_RETENTION_DAYS, default 30), expired sessions, and log-in logs "
        "older than KEFU_LOGIN_LOG_RETENTION_DAYS (default 90). Business data and the audit "
        "log are never touched. Scheduled daily (`kefu scheduler`)."
    )

    def handle(self, *args, **options):
        for kind, removed in clean().items():
            shown = "kept elsewhere" if removed is None else f"deleted {removed}"
            self.stdout.write(f"{kind}: {shown}")
