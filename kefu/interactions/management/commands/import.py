import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from kefu.audit.actions import record as audit
from kefu.audit.models import AuditAction
from kefu.interactions.importer import import_file


class Command(BaseCommand):
    help = (
        "Import interactions from a native JSONL file, an agents CSV or a conversations CSV. "
        "Prints read/created/updated/rejected counts; exits 1 when a record was rejected."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--format", choices=["jsonl", "csv-agents", "csv-conversations"], default=None
        )
        parser.add_argument("--batch-size", type=int, default=None)
        parser.add_argument("--quiet-errors", action="store_true", help="only print the counts")

    def handle(self, *args, **options):
        path: Path = options["file"]
        if not path.exists():
            raise CommandError(f"{path}: no such file")
        report = import_file(path, file_format=options["format"], batch_size=options["batch_size"])
        if not options["quiet_errors"]:
            for error in report.errors:
                self.stderr.write(f"{path.name}: {error}")
            if report.rejected > len(report.errors):
                self.stderr.write(f"… and {report.rejected - len(report.errors)} more errors")
        audit(
            AuditAction.IMPORT,
            actor="cli",
            object_type="file",
            object_id=path.name,
            detail=report.as_dict() | {"errors": len(report.errors)},
        )
        self.stdout.write(report.summary())
        if report.rejected:
            sys.exit(1)
