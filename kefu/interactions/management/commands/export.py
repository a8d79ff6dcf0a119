import sys
from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand

from kefu.accounts.models import Agent
from kefu.audit.actions import record as audit
from kefu.audit.models import AuditAction
from kefu.core import periods
from kefu.interactions.core.native import dumps
from kefu.interactions.exporter import iter_native
from kefu.interactions.models import Conversation
from kefu.lib.localtime import configured_tz
from kefu.lib.progress import Progress


class Command(BaseCommand):
    help = "Export agents and conversations in the native JSONL format (stdout or --output)."

    def add_arguments(self, parser):
        parser.add_argument("--output", "-o", type=Path, default=None)
        parser.add_argument("--from", dest="date_from", type=date.fromisoformat, default=None)
        parser.add_argument("--to", dest="date_to", type=date.fromisoformat, default=None)
        parser.add_argument(
            "--masked", action="store_true", help="mask customer personal data (for sharing)"
        )
        parser.add_argument("--no-agents", action="store_true")

    def handle(self, *args, **options):
        tz = configured_tz()
        conversations = Conversation.objects.filter(
            **periods.lookups("created_at", options["date_from"], options["date_to"], tz)
        )
        agents = None if options["no_agents"] else Agent.objects.all()
        output = Path(options["output"]) if options["output"] else None
        out = output.open("wb") if output else sys.stdout.buffer
        count = 0
        # The bar (stderr, on a terminal only) counts conversations; the records also
        # hold the agents first.
        bar = Progress("导出 exporting", unit="conversations", stream=self.stderr)
        if bar.live:
            bar.total = conversations.count()
        try:
            with bar:
                for obj in iter_native(conversations, agents, tz, masked=options["masked"]):
                    out.write(dumps(obj))
                    count += 1
                    if obj.get("type") == "conversation":
                        bar.advance()
        finally:
            if output:
                out.close()
            else:
                out.flush()
        audit(
            AuditAction.EXPORT,
            actor="cli",
            object_type="file",
            object_id=str(options["output"] or "stdout"),
            detail={"records": count, "masked": options["masked"]},
        )
        self.stderr.write(f"exported {count} records")
