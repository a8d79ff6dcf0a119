"""`kefu restore --input DIR [--replace]`: write a `kefu backup` into the configured
database, check the keys first and every table's row count after. Stop the web servers,
workers and scheduler first. docs/operations.md, "Backup and restore".
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from kefu.audit.actions import record as audit
from kefu.audit.models import AuditAction
from kefu.ops import backup


class Command(BaseCommand):
    help = "Restore a kefu backup into the configured database (checks keys and row counts)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--input", "-i", type=Path, required=True, help="a backup directory")
        parser.add_argument(
            "--replace", action="store_true", help="overwrite the database that is there"
        )
        parser.add_argument(
            "--ignore-keys",
            action="store_true",
            help="restore even though the configured keys cannot read the encrypted data",
        )

    def handle(self, *args, **options) -> None:
        try:
            done = backup.restore(
                options["input"], replace=options["replace"], ignore_keys=options["ignore_keys"]
            )
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        audit(
            AuditAction.IMPORT,
            actor="cli",
            object_type="backup",
            object_id=str(options["input"]),
            detail={"vendor": done.vendor, "tables": done.tables, "rows": done.rows},
        )
        self.stdout.write(
            f"restored {options['input']}: {done.vendor}, {done.tables} tables, "
            f"{done.rows} rows, every count equal to the backup's."
        )
