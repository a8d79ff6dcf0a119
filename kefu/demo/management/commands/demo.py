"""`kefu demo`: load the deterministic demo year (or write it to a JSONL file)."""

from __future__ import annotations

import time
from contextlib import nullcontext
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import translation

from kefu.assignment.demo import seed_demo as seed_routing
from kefu.audit.actions import record as audit
from kefu.audit.models import AuditAction
from kefu.customers.demo import seed_demo as seed_customers
from kefu.demo.core.generator import ROUTING_FROM, SIZES, generate, size_count
from kefu.demo.improvements import ensure_demo_improvements, seed_improvement
from kefu.demo.users import demo_logins, ensure_demo_users
from kefu.interactions.core.native import dumps, parse_object
from kefu.interactions.importer import Importer, ImportReport
from kefu.interactions.models import Conversation
from kefu.knowledge.demo import seed_demo as seed_knowledge
from kefu.lib.localtime import configured_tz
from kefu.lib.progress import Progress
from kefu.metrics.defaults import ensure_defaults
from kefu.metrics.facts import refresh as refresh_metrics
from kefu.performance.demo import seed_demo as seed_performance
from kefu.reviews.demo import seed_demo as seed_reviews
from kefu.training.demo import seed_demo as seed_training
from kefu.workforce.defaults import ensure_defaults as ensure_workforce_defaults
from kefu.workforce.demo import seed_demo as seed_workforce

PUBLIC_SIZES = ("small", "default", "large")  # "tiny" is for tests, but accepted too


def _knowledge_line(known: dict[str, Any]) -> str:
    from kefu.knowledge.selectors import knowledge_figures

    first, last = known["first_month"], known["last_month"]
    figures = knowledge_figures(None, first[0], last[1])
    months = [m for m in figures.months if m["freshness"].median_h is not None]
    fresh = (
        f"freshness median {months[0]['freshness'].median_h:.1f} h ({months[0]['month']}) → "
        f"{months[-1]['freshness'].median_h:.1f} h ({months[-1]['month']})"
        if months
        else "freshness —"
    )
    link = figures.usage.link_rate
    reuse = figures.usage.reuse_rate
    return (
        f"知识库 knowledge base: {known['articles']} articles, {known['versions']} versions, "
        f"{known['requests']} change requests, {known['links']} links; link rate "
        f"{'—' if link is None else f'{link:.1%}'}, reuse "
        f"{'—' if reuse is None else f'{reuse:.1%}'}, {fresh}"
    )


class Command(BaseCommand):
    help = (
        "Load realistic Chinese demo data for 2024 (127 agents, conversations on every "
        "channel, surveys, complaints, escalations) and create one log-in per role "
        "(password kefu2024). The same --seed always gives the same data."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument(
            "--size",
            choices=list(SIZES),
            default="default",
            help="small ≈ 2,000, default ≈ 30,000, large = 1,000,000 conversations",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="skip loading when conversations already exist (the log-ins are still ensured)",
        )
        parser.add_argument(
            "--jsonl",
            type=Path,
            metavar="FILE",
            help="write the records to FILE (native JSONL) instead of the database",
        )
        parser.add_argument(
            "--conversations", type=int, default=None, help="exact number (overrides --size)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        seed, size, count = options["seed"], options["size"], options["conversations"]
        total = count if count is not None else size_count(size)
        records = generate(seed, size, conversations=count)
        if options["jsonl"]:
            self._write_jsonl(options["jsonl"], records, total)
            return
        if options["if_empty"] and Conversation.objects.exists():
            self.stdout.write("已有会话数据，跳过导入 (conversations exist, demo not loaded)")
        else:
            self._load(records, total, seed, size)
        ensure_defaults()  # targets and benchmark sets (a flushed test database has none)
        ensure_demo_improvements()
        ensure_workforce_defaults()  # shift templates, 双11/618/holidays, staffing parameters
        logins = ensure_demo_users()
        seed_reviews(seed)  # human QA: plans, reviews, appeals, calibration (kefu/reviews/demo.py)
        risk = seed_customers(seed)  # tags, every customer's risk index (kefu/customers/demo.py)
        if risk["customers"]:
            self.stdout.write(
                f"客户风险 customer risk: {risk['customers']} customers, "
                f"{risk['share_high']:.1%} high, labels of {risk['label_months']} months"
            )
        seed_routing(since=ROUTING_FROM.date())  # routing on since the generator's switch
        worked = seed_workforce(seed)  # the last 4 weeks' rosters and presence (adherence)
        if worked["rosters"] and worked["adherence"] is not None:
            self.stdout.write(
                f"排班遵从度 schedule adherence: {worked['adherence']:.1%} "
                f"({worked['rosters']} weeks from {worked['weeks'][0]}, {worked['shifts']} shifts)"
            )
        root = seed_improvement()  # classifier, labelled complaints, the year's projects
        if root["report"]:
            model = root["report"]["cross_validated"]["model"]
            self.stdout.write(
                f"投诉分类 complaint classifier: {root['classified']} classified, problem "
                f"accuracy {model['problem_accuracy']:.3f} (cross-validated), "
                f"{root['projects']} improvement projects"
            )
        seed_training(seed)  # courses, sessions, exams, practice, assignments, certification
        with translation.override("zh-hans"):  # names the cycles in the users' language
            seed_performance(seed)  # the year's review cycles, ratings, 360, interviews, pool
        known = seed_knowledge(seed)  # articles, versions, requests, links, searches
        if known["articles"]:
            self.stdout.write(_knowledge_line(known))
        logins = demo_logins()  # (the knowledge owners as seeded)
        names = ", ".join(login.username for login in logins)
        self.stdout.write(f"演示账号 demo log-ins: {names} (密码 password: {logins[0].password})")

    def _write_jsonl(self, path: Path, records, total: int) -> None:
        started = time.monotonic()
        agents = conversations = messages = 0
        bar = Progress("演示数据 writing", total=total, unit="conversations", stream=self.stderr)
        with path.open("wb") as handle, bar:
            for record in records:
                handle.write(dumps(record))
                if record["type"] == "agent":
                    agents += 1
                else:
                    conversations += 1
                    messages += len(record["messages"])
                    bar.update(conversations)
                    if not bar.live and conversations % 50_000 == 0:
                        self._progress(conversations, total, started)
        self.stdout.write(
            f"{path}: {agents} agents, {conversations} conversations, {messages} messages "
            f"({time.monotonic() - started:.1f} s)"
        )

    def _load(self, records, total: int, seed: int, size: str) -> None:
        started = time.monotonic()
        step = max(1000, total // 10)
        fed = shown = 0

        bar = Progress("演示数据 loading", total=total, unit="conversations", stream=self.stderr)

        def on_batch(_report: ImportReport) -> None:
            nonlocal shown
            bar.update(fed)
            if not bar.live and fed - shown >= step:
                shown = fed
                self._progress(fed, total, started)

        self.stdout.write(f"生成并导入演示数据 loading demo data: seed {seed}, ~{total:,} 会话")
        tz = configured_tz()
        importer = Importer(on_batch=on_batch)
        # Up to the default size one transaction (fewer syncs, all or nothing); beyond it
        # the importer's per-batch commits keep the SQLite WAL from growing to gigabytes.
        outer = transaction.atomic() if total <= SIZES["default"] else nullcontext()
        with outer:
            with bar:
                for line, obj in enumerate(records, start=1):
                    fed += obj["type"] == "conversation"
                    importer.feed(parse_object(obj, tz, line))
                report = importer.finish()
                bar.update(fed)
            refresh_metrics()  # the demo's figures are ready when the server starts
        if report.rejected:
            for error in report.errors[:20]:
                self.stderr.write(str(error))
            raise CommandError(f"demo data rejected: {report.summary()}")
        audit(
            AuditAction.IMPORT,
            actor="demo",
            object_type="demo",
            object_id=f"seed={seed} size={size}",
            detail=report.as_dict() | {"errors": 0},
        )
        self.stdout.write(
            f"完成 done in {time.monotonic() - started:.1f} s: {report.summary()} "
            f"(agents created {report.agents_created}, updated {report.agents_updated})"
        )
        self.stdout.write(
            f"数据库 database: {Conversation.objects.count():,} conversations in total"
        )

    def _progress(self, done: int, total: int, started: float) -> None:
        elapsed = time.monotonic() - started
        self.stdout.write(f"  {done:>9,} / ~{total:,} 会话  {elapsed:6.1f} s")
