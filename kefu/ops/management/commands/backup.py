"""`kefu backup --output DIR`: a consistent copy of the running database, keys kept apart.

SQLite: the online backup (the server and worker may keep writing); PostgreSQL: pg_dump
in the same snapshot as the manifest's row counts. docs/operations.md, "Backup and restore".
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from kefu.audit.actions import record as audit
from kefu.audit.models import AuditAction
from kefu.ops import backup


class Command(BaseCommand):
    help = "Back up the database into a new directory (the keys are not in it)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--output", "-o", type=Path, required=True, help="a new directory")

    def handle(self, *args, **options) -> None:
        try:
            manifest = backup.backup(options["output"])
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        rows = sum(manifest["counts"].values())
        audit(
            AuditAction.EXPORT,
            actor="cli",
            object_type="backup",
            object_id=str(options["output"]),
            detail={"vendor": manifest["vendor"], "tables": len(manifest["counts"]), "rows": rows},
        )
        self.stdout.write(
            f"backup {options['output']}: {manifest['vendor']}, {len(manifest['counts'])} "
            f"tables, {rows} rows. Keep the keys (KEFU_SECRET_KEY, "
            "KEFU_FIELD_ENCRYPTION_SALTS or var/secret_key, var/field_encryption_salt) "
            "apart from it."
        )
