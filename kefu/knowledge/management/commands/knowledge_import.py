"""`kefu knowledge_import <path>`: articles from Markdown files (a file, a directory of
them, read recursively, or a zip) or a JSONL file, as a knowledge owner
(`--user`, default the first superuser). The rules are kefu/knowledge/interchange.py's:
matched by key, the same files again change nothing, each bad record reported (where,
key, field, why) while the others are imported. `--draft`: publish nothing."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from kefu.knowledge import interchange
from kefu.lib.errors import ActionError

SUFFIXES = (".md", ".markdown", ".jsonl", ".zip")


class Command(BaseCommand):
    help = "Import knowledge articles from Markdown files, a zip of them or a JSONL file."

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument("--user", help="a knowledge owner's username (default: a superuser)")
        parser.add_argument("--draft", action="store_true", help="publish nothing")

    def handle(self, *args, **options) -> None:
        users = get_user_model().objects
        if options["user"]:
            user = users.filter(**{users.model.USERNAME_FIELD: options["user"]}).first()
        else:
            user = users.filter(is_superuser=True, is_active=True).order_by("pk").first()
        if user is None:
            raise CommandError("no such user: name a knowledge owner with --user")
        path: Path = options["path"]
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in SUFFIXES)
        elif path.is_file():
            files = [path]
        else:
            raise CommandError(f"{path}: no such file or directory")
        try:
            parsed = interchange.read_path_files(
                (str(p.relative_to(path)) if path.is_dir() else p.name, p.read_bytes())
                for p in files
            )
            report = interchange.import_records(user, parsed, draft_only=options["draft"])
        except (ActionError, OSError) as exc:
            raise CommandError(str(getattr(exc, "detail", exc))) from exc
        for e in report.errors:
            where = f"{e['record']} [{e['key'] or '-'}] {e['field'] or '-'}"
            self.stderr.write(f"{where}: {e['reason']}")
        self.stdout.write(
            f"created {report.created}, updated {report.updated}, moved {report.moved}, "
            f"unchanged {report.unchanged}, errors {len(report.errors)}"
        )
