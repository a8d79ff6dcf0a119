import os
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext

from kefu.audit.actions import record as audit
from kefu.audit.models import AuditAction
from kefu.interactions.core.encoding import FileRejected
from kefu.interactions.importer import error_text, import_file
from kefu.lib.progress import BYTES, Progress


def cli_language(option: str | None) -> str:
    """The language of the command's messages: --language, else the shell's locale
    (LC_ALL, LC_MESSAGES, LANG: zh… → Chinese, anything else set → English), else the
    site's LANGUAGE_CODE (a bare C/POSIX locale says nothing about the operator)."""
    if option:
        return option
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name, "")
        if value and value.split(".")[0] not in ("C", "POSIX"):
            return "zh-hans" if value.lower().startswith("zh") else "en"
    return settings.LANGUAGE_CODE


class Command(BaseCommand):
    help = (
        "Import interactions from a native JSONL file, an agents CSV or a conversations CSV. "
        "Prints read/created/updated/rejected counts; exits 1 when a record was rejected "
        "or the file could not be read."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--format", choices=["jsonl", "csv-agents", "csv-conversations"], default=None
        )
        parser.add_argument("--batch-size", type=int, default=None)
        parser.add_argument("--quiet-errors", action="store_true", help="only print the counts")
        parser.add_argument(
            "--language",
            choices=[code for code, _name in settings.LANGUAGES],
            default=None,
            help="language of the error messages (default: from LC_ALL/LC_MESSAGES/LANG)",
        )

    def handle(self, *args, **options):
        with translation.override(cli_language(options["language"])):
            self._import(options)

    def _import(self, options) -> None:
        path: Path = options["file"]
        if not path.exists():
            raise CommandError(f"{path}: no such file")
        # On a terminal a bar (bytes read, rate, time left) on stderr; piped, nothing.
        bar = Progress(path.name, total=path.stat().st_size, unit=BYTES, stream=self.stderr)
        try:
            with bar:
                report = import_file(
                    path,
                    file_format=options["format"],
                    batch_size=options["batch_size"],
                    on_progress=(lambda _report, read: bar.update(read)) if bar.live else None,
                )
                bar.update(bar.total or 0)
        except FileRejected as exc:
            audit(
                AuditAction.IMPORT,
                actor="cli",
                object_type="file",
                object_id=path.name,
                detail={"failure": exc.sentence},
            )
            raise CommandError(f"{path.name}: {gettext(exc.sentence)}", returncode=1) from None
        if not options["quiet_errors"]:
            for error in report.errors:
                self.stderr.write(f"{path.name}: {error_text(error)}")
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
