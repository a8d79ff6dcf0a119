"""`kefu sla_calendar import FILE` / `kefu sla_calendar export`: public holidays as YAML."""

from __future__ import annotations

import sys

import yaml
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from kefu.sla.actions import import_holidays
from kefu.sla.models import Holiday


class Command(BaseCommand):
    help = "Import or export public holidays and make-up working days (调休) as YAML."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["import", "export"])
        parser.add_argument("file", nargs="?", help="YAML file to import ('-' for stdin)")

    def handle(self, *args, action: str, file: str | None = None, **options) -> None:
        if action == "export":
            data: dict[int, list] = {}
            for h in Holiday.objects.all():
                entry = {"name": h.name, "closed": [h.first.isoformat(), h.last.isoformat()]}
                if h.workdays:
                    entry["workdays"] = list(h.workdays)
                data.setdefault(h.first.year, []).append(entry)
            self.stdout.write(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), ending="")
            return
        if not file:
            raise CommandError("import needs a FILE")
        try:
            handle = sys.stdin if file == "-" else open(file, encoding="utf-8")  # noqa: SIM115
            with handle:
                data = yaml.safe_load(handle)
            count = import_holidays(data)
        except (OSError, yaml.YAMLError) as error:
            raise CommandError(str(error)) from None
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from None
        self.stdout.write(f"{count} holidays imported")
