from django.core.management.base import BaseCommand

from kefu.interactions.tasks import cleanup_import_files


class Command(BaseCommand):
    help = (
        "Delete uploaded import files that are no longer needed: those of finished imports, "
        "and those of failed or stalled imports older than KEFU_IMPORT_FILE_RETENTION_DAYS "
        "(default 7). Run it daily from cron; it also runs whenever a web import starts."
    )

    def handle(self, *args, **options):
        deleted = cleanup_import_files()
        self.stdout.write(f"deleted {deleted} uploaded file(s)")
