"""`kefu knowledge_export --format md|jsonl <out>`: every article's newest version in the
import format — a directory of Markdown files (`<key>.md`; a name ending in .zip writes
a zip) or one JSONL file. Articles without a key are given one (`kb-<id>`) first."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from kefu.knowledge import interchange
from kefu.knowledge.core import interchange as core
from kefu.lib.errors import ActionError


class Command(BaseCommand):
    help = "Export every knowledge article as Markdown files or JSONL."

    def add_arguments(self, parser) -> None:
        parser.add_argument("out", type=Path)
        parser.add_argument("--format", choices=("md", "jsonl"), default="md")
        parser.add_argument("--user", help="a knowledge owner's username (default: a superuser)")

    def handle(self, *args, **options) -> None:
        users = get_user_model().objects
        if options["user"]:
            user = users.filter(**{users.model.USERNAME_FIELD: options["user"]}).first()
        else:
            user = users.filter(is_superuser=True, is_active=True).order_by("pk").first()
        if user is None:
            raise CommandError("no such user: name a knowledge owner with --user")
        try:
            records = interchange.export_records(user)
        except ActionError as exc:
            raise CommandError(exc.detail) from exc
        out: Path = options["out"]
        if options["format"] == "jsonl":
            out.write_bytes(interchange.export_jsonl(records))
        elif out.suffix == ".zip":
            out.write_bytes(interchange.export_zip(records))
        else:
            out.mkdir(parents=True, exist_ok=True)
            for record in records:
                (out / core.file_name(record["key"])).write_text(
                    core.render_markdown(record), encoding="utf-8"
                )
        self.stdout.write(f"exported {len(records)} articles to {out}")
