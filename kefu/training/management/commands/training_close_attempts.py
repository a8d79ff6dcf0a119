"""`kefu training_close_attempts`: close every exam attempt whose time ran out (graded
with the answers saved before the deadline). Pages and API reads never close one (a GET
writes nothing: they show it as overdue). Each start queues a task that the worker
(`kefu db_worker`, started by `make run`) runs just after the attempt's deadline; run
this command from cron every few minutes as the safety net (a worker that was down, a
queue that could not be reached): `*/5 * * * * kefu training_close_attempts`."""

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
