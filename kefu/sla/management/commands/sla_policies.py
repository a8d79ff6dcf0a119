"""`kefu sla_policies [--all]`: the service-level policies (per-channel targets) as JSON."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandParser

from kefu.sla.models import SlaPolicy


class Command(BaseCommand):
    help = "Print the active service-level policies (per-channel targets, seconds) as JSON."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--all", action="store_true", help="retired versions too")

    def handle(self, *args, all: bool = False, **options) -> None:
        policies = SlaPolicy.objects.select_related("calendar").order_by(
            "channel", "key", "version"
        )
        if not all:
            policies = policies.filter(active=True)
        rows = [
            {
                "key": p.key,
                "version": p.version,
                "active": p.active,
                "name": p.name,
                "channel": p.channel,
                "segment": p.segment or None,
                "category": p.category or None,
                "priority": p.priority or None,
                "tag": p.tag or None,
                "first_response_s": p.first_response_s,
                "next_response_s": p.next_response_s,
                "resolution_s": p.resolution_s,
                "measure": p.measure,
                "calendar": p.calendar.name if p.calendar else None,
            }
            for p in policies
        ]
        self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2))
