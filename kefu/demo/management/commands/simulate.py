"""`kefu simulate`: replay demo conversations as live traffic through a running server."""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.management.base import BaseCommand, CommandError, CommandParser

from kefu.accounts.models import Agent, ApiToken
from kefu.accounts.roles import INGEST, VIEW_ALL
from kefu.audit.actions import record as audit
from kefu.audit.models import AuditAction
from kefu.demo.core.generator import generate
from kefu.monitoring import simulate as sim

SYSTEM_USER = "kefu-simulator"


class Command(BaseCommand):
    help = (
        "Replay demo conversations as live traffic on a running server (through its REST "
        "API), their real timing compressed, about --rate messages a second for --duration "
        "seconds. Needs the demo agents (`kefu demo`)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--url", default="http://127.0.0.1:8000", help="the server")
        parser.add_argument("--rate", type=float, default=50.0, help="messages per second")
        parser.add_argument("--duration", type=float, default=60.0, help="seconds")
        parser.add_argument("--seed", type=int, default=7, help="demo generator seed")
        parser.add_argument(
            "--speed",
            type=float,
            default=20.0,
            help="how many times faster than real time each conversation runs",
        )
        parser.add_argument("--workers", type=int, default=16, help="concurrent requests")
        parser.add_argument(
            "--token",
            help="an API token with the ingest permission (default: mint one for the "
            f"'{SYSTEM_USER}' user in this install's database, revoked at the end)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        rate, duration, speed = options["rate"], options["duration"], options["speed"]
        if rate <= 0 or duration <= 0 or speed <= 0:
            raise CommandError("--rate, --duration and --speed must be positive")
        # Enough conversations for the run (about 12 messages each), plus a margin.
        wanted = int(rate * duration / 6) + 50
        records = (r for r in generate(options["seed"], conversations=wanted))
        sources = sim.sources(records)
        plans = sim.plan(
            [s.offsets for s in sources],
            rate,
            duration,
            speed,
            close_gaps=[s.close_gap for s in sources],
        )
        if not plans:
            raise CommandError("no demo conversation to replay")
        agent_ids = {sources[p.index].record.get("agent") for p in plans} - {None}
        token, raw = (None, options["token"]) if options["token"] else self._mint(agent_ids)
        run = datetime.now(UTC).strftime("%m%d%H%M%S")
        t0 = time.monotonic() + 0.5  # time to build the replays before the first is due
        run_start = datetime.now(UTC) + timedelta(seconds=t0 - time.monotonic())
        replays = [
            sim.Replay.make(sources[p.index], p, f"LIVE-{run}-{n:05d}", run_start, speed)
            for n, p in enumerate(plans, 1)
        ]
        planned = sim.message_rate(plans, duration)
        backlog = sum(p.past for p in plans)
        self.stdout.write(
            f"simulate: {len(replays)} conversations, ~{planned:.1f} messages/s for "
            f"{duration:g} s (×{speed:g} speed; {backlog} earlier messages of conversations "
            f"already under way come with their creation) → {options['url']}  "
            f"ids LIVE-{run}-…"
        )
        client = sim.ApiClient(options["url"], raw)
        simulation = sim.Simulation(
            client, replays, workers=options["workers"], progress=self._progress
        )
        try:
            stats = simulation.run(t0)
        finally:
            if token is not None:
                ApiToken.objects.filter(pk=token.pk).update(revoked=True)
        elapsed = time.monotonic() - t0
        late = sorted(stats.lateness)
        late_p95 = late[int(0.95 * (len(late) - 1))] * 1000 if late else 0.0
        self.stdout.write(
            f"done in {elapsed:.1f} s: {stats.created} conversations created, "
            f"{stats.messages} messages ({stats.messages / max(elapsed, 1e-9):.1f}/s), "
            f"{stats.closed} closed, {len(simulation.open)} left open, {stats.errors} errors, "
            f"p95 {late_p95:.0f} ms behind schedule"
        )
        if stats.errors:
            self.stderr.write(f"last error: {stats.last_error}")
        self._alerts(f"LIVE-{run}-")

    def _progress(self, at: float, stats: sim.Stats, open_count: int) -> None:
        self.stdout.write(
            f"  {at:5.0f} s  messages {stats.messages:6d} ({stats.messages / at:5.1f}/s)  "
            f"open {open_count:4d}  closed {stats.closed:5d}  errors {stats.errors}"
        )

    def _mint(self, agent_ids: set[str]) -> tuple[ApiToken, str]:
        """A token for the simulator's system user (created with the ingest and view-all
        permissions), after checking that the demo agents exist: the importer would
        otherwise make placeholder agents of them."""
        known = set(
            Agent.objects.filter(external_id__in=agent_ids).values_list("external_id", flat=True)
        )
        if missing := sorted(agent_ids - known):
            raise CommandError(
                f"{len(missing)} demo agents are missing ({', '.join(missing[:3])}…): "
                "run `kefu demo` first"
            )
        user_model = get_user_model()
        user, created = user_model.objects.get_or_create(
            username=SYSTEM_USER, defaults={"first_name": "kefu simulate"}
        )
        if created:
            user.set_unusable_password()
            user.save()
        wanted = [p.split(".") for p in (INGEST, VIEW_ALL)]
        user.user_permissions.add(
            *[
                Permission.objects.get(content_type__app_label=app, codename=code)
                for app, code in wanted
            ]
        )
        token, raw = ApiToken.issue(user, "kefu simulate")
        audit(
            AuditAction.ISSUE_TOKEN,
            actor="cli",
            object_type="api_token",
            object_id=token.prefix,
            detail={"name": "kefu simulate", "for": SYSTEM_USER},
        )
        return token, raw

    def _alerts(self, prefix: str) -> None:
        """Alerts raised on the run's conversations, read from this install's database
        (none when --url is another install)."""
        from kefu.monitoring.models import Alert

        rules = Counter(
            Alert.objects.filter(conversation__external_id__startswith=prefix).values_list(
                "rule", flat=True
            )
        )
        top = ", ".join(f"{rule} {n}" for rule, n in rules.most_common(6))
        self.stdout.write(f"alerts raised: {sum(rules.values())}" + (f" ({top})" if top else ""))
