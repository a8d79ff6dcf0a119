"""`kefu training_close_attempts`: close every exam attempt whose time ran out (graded
with the answers saved before the deadline). The pages and the API close an overdue
attempt when it is next seen; run this from cron (every few minutes) so that results and
the knowledge scores are current without anyone looking."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from kefu.training.actions.exams import close_overdue_attempts


class Command(BaseCommand):
    help = "Close and grade the exam attempts whose deadline has passed."

    def handle(self, *args: Any, **options: Any) -> None:
        closed = close_overdue_attempts()
        if options["verbosity"]:
            self.stdout.write(f"{closed} attempt(s) closed")
