"""`kefu routing_tick`: overflow queued conversations whose next tier has opened and try
the whole queue again (cron, every minute; docs/routing.md). Arrivals overflow what is
due too, so a quiet minute without arrivals is what this covers."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from kefu.assignment import actions


class Command(BaseCommand):
    help = "Overflow due queued conversations to their next tier and drain the routing queue."

    def handle(self, *args: Any, **options: Any) -> None:
        result = actions.tick()
        self.stdout.write(
            f"overflowed {result['overflowed']}, assigned from the queue {result['assigned']}"
        )
