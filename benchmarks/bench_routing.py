"""Target: a routing decision p99 ≤ 5 ms with 1,000 agents online.

1,000 agents (tiers new … expert, a third with channel / product-line / language skills,
capacities 2–5) are online; two rules (high sensitivity → senior then lead; a tag →
dedicated seats then expert); 10 % of the customers are high-sensitivity and 5 % carry
the tag; half have a previous conversation (the last-agent preference). Set-up is outside
the clock. Three figures, each warm (a warm-up round first):

- the decision: the pure core (`router.decide`) on the 1,000 candidates;
- the whole routing of one arriving conversation, as the live path runs it: the hook the
  importer calls inside the transaction that stores a live conversation
  (`receivers.on_conversations_written`: the write's state — the configuration's
  version, whether a queued conversation is due to overflow, the written conversation —,
  the arrival's risk label, tags and last agent, the candidates (one query), the
  decision, the conditional UPDATE claiming the seat, the conversation given to the
  agent, the decision row), timed to the end of the hook and again after the commit (on
  SQLite a commit that crosses `wal_autocheckpoint`, 1,000 pages, also copies the WAL
  into the database: about one arrival in 45, 13–16 ms; docs/routing.md).

All three are held to the target (the issue's "decision"; the whole routing is the
stricter).

    .venv/bin/python benchmarks/bench_routing.py [--db var/bench-routing.sqlite3] [--n 2000]
    .venv/bin/python benchmarks/bench_routing.py --url postgres://kefu@127.0.0.1:5432/kefu

The database (migrated once, then reused) holds only the benchmark's rows.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import time
from pathlib import Path

from _common import KEFU, ROOT, percentile, setup_django, verdict

TARGET_MS = 5.0
AGENTS = 1000
TIERS = ["new", "regular", "regular", "regular", "senior", "senior", "lead", "expert"]


def build(n: int, seed: int) -> list:
    from django.db import transaction
    from django.utils import timezone

    from kefu.accounts.models import Agent, Team
    from kefu.assignment import selectors
    from kefu.assignment.models import (
        AgentLoad,
        AgentProfile,
        Assignment,
        QueueEntry,
        RoutingDecision,
        RoutingRule,
        RoutingSettings,
    )
    from kefu.customers.models import CustomerRisk, CustomerTag, Tag, TagGroup
    from kefu.interactions.models import Conversation, Customer
    from kefu.workforce.models import AgentPresence

    rng = random.Random(seed)
    now = timezone.now()
    with transaction.atomic():
        for model in (RoutingDecision, QueueEntry, Assignment, AgentLoad, AgentProfile):
            model.objects.all().delete()
        Conversation.objects.filter(external_id__startswith="BR-").delete()
        RoutingRule.objects.all().delete()
        if Agent.objects.filter(external_id__startswith="BR").count() < AGENTS:
            teams = [Team.objects.get_or_create(name=f"路由{t}组")[0] for t in range(20)]
            Agent.objects.bulk_create(
                [
                    Agent(external_id=f"BR{i:04d}", name=f"客服{i}", team=teams[i % 20],
                          tier=TIERS[i % len(TIERS)])
                    for i in range(AGENTS)
                ],
                ignore_conflicts=True,
            )  # fmt: skip
        agents = list(Agent.objects.filter(external_id__startswith="BR").order_by("pk"))
        AgentPresence.objects.filter(agent__in=agents).delete()
        AgentPresence.objects.bulk_create([AgentPresence(agent=a, state="online") for a in agents])
        AgentProfile.objects.bulk_create(
            [
                AgentProfile(
                    agent=a,
                    channels=["chat", "app"] if i % 3 == 0 else [],
                    product_lines=["手机", "家电"] if i % 3 == 1 else [],
                    languages=["zh", "en"] if i % 5 == 0 else [],
                    capacity=2 + i % 4,
                )
                for i, a in enumerate(agents)
            ]
        )
        AgentLoad.objects.bulk_create(
            [AgentLoad(agent=a, active=rng.randint(0, 1)) for a in agents]
        )
        RoutingSettings.objects.update_or_create(
            pk=1, defaults={"enabled": True, "default_capacity": 3, "overflow_after_s": 60}
        )
        group, _ = TagGroup.objects.get_or_create(name="价值")
        tag, _ = Tag.objects.get_or_create(group=group, name="高价值", defaults={"kind": "manual"})
        RoutingRule.objects.create(position=0, name="高敏感", risk_labels=["high"],
                                   tiers=["senior", "lead"])  # fmt: skip
        vip = RoutingRule.objects.create(position=1, name="高价值", tiers=["expert"])
        vip.tags.set([tag])
        vip.agents.set(agents[:10])
        customers = []
        for i in range(n):
            customer, _ = Customer.objects.get_or_create(external_id=f"BRU{i:05d}")
            customers.append(customer)
        CustomerRisk.objects.filter(customer__in=customers).delete()
        CustomerRisk.objects.bulk_create(
            [
                CustomerRisk(customer=c, score=80 if i % 10 == 0 else 10,
                             label="high" if i % 10 == 0 else "normal", as_of=now)
                for i, c in enumerate(customers)
            ]
        )  # fmt: skip
        CustomerTag.objects.filter(customer__in=customers).delete()
        CustomerTag.objects.bulk_create(
            [CustomerTag(customer=c, tag=tag) for i, c in enumerate(customers) if i % 20 == 1]
        )
        past = [
            Conversation(external_id=f"BR-P{i:05d}", channel="chat", customer=c,
                         agent=rng.choice(agents), created_at=now, status="closed",
                         content_hash="x")
            for i, c in enumerate(customers) if i % 2 == 0
        ]  # fmt: skip
        arrivals = [
            Conversation(external_id=f"BR-{i:05d}", channel=rng.choice(["chat", "chat", "app"]),
                         customer=c, created_at=now, status="open", content_hash="x",
                         extra={"product_line": rng.choice(["手机", "家电", ""]),
                                "language": "zh"})
            for i, c in enumerate(customers)
        ]  # fmt: skip
        Conversation.objects.bulk_create(past + arrivals)
    selectors.forget()
    return list(
        Conversation.objects.filter(external_id__startswith="BR-0")
        .order_by("pk")
        .values_list("pk", "customer_id", "channel", "extra")
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=ROOT / "var" / "bench-routing.sqlite3")
    parser.add_argument("--url", help="a database URL instead (e.g. postgres://…)")
    parser.add_argument("--n", type=int, default=2000, help="arrivals (≤ the 3,500 seats)")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    args.db.parent.mkdir(parents=True, exist_ok=True)
    url = args.url or f"sqlite:///{args.db}"
    env = {**os.environ, "DATABASE_URL": url}
    subprocess.run([str(KEFU), "migrate", "-v0"], env=env, check=True)
    setup_django(url)
    from django.db import connection, transaction
    from django.db.models import Count
    from django.utils import timezone

    from kefu.assignment import receivers, selectors
    from kefu.assignment.core import router
    from kefu.assignment.models import RoutingDecision
    from kefu.interactions.core.native import ConversationRecord, CustomerRecord

    print(f"building {AGENTS} online agents and {args.n} arrivals …", flush=True)
    rows = build(args.n, args.seed)
    warm = max(100, args.n // 10)
    now = timezone.now()

    # the pure decision on the 1,000 candidates (read once, outside the clock)
    cfg = selectors.config()
    candidates = selectors.candidates(cfg)
    assert len(candidates) >= AGENTS, len(candidates)
    facts = [selectors.arrival_for(pk, c, ch, ex) for pk, c, ch, ex in rows[:1000]]
    core_ms = []
    for i, f in enumerate(facts + facts):
        started = time.perf_counter()
        router.decide(f.arrival, candidates, cfg.rules, cfg.policy)
        if i >= len(facts):  # the first round warms up
            core_ms.append((time.perf_counter() - started) * 1000)

    # the whole routing of an arrival as the live path runs it: the hook the importer
    # calls inside the transaction that stores a live conversation (the written records:
    # nothing ended, one new open conversation without an agent), then the commit
    records = {
        pk: ConversationRecord(id=f"BR-{i:05d}", channel=channel, created_at=now,
                               customer=CustomerRecord(id=f"BRU{i:05d}"), messages=[],
                               extra=extra)
        for i, (pk, _customer_id, channel, extra) in enumerate(rows)
    }  # fmt: skip
    work_ms, full_ms = [], []
    for i, pk in enumerate(records):
        started = time.perf_counter()
        with transaction.atomic():
            receivers.on_conversations_written(
                None, conversation_ids=[pk], records={pk: records[pk]}, live=True
            )
            done = time.perf_counter()
        ended = time.perf_counter()
        if i >= warm:
            work_ms.append((done - started) * 1000)
            full_ms.append((ended - started) * 1000)
    kinds = dict(
        RoutingDecision.objects.filter(conversation_id__in=list(records))
        .values_list("kind")
        .annotate(n=Count("pk"))
    )
    print(f"database: {connection.vendor}; decisions: {kinds}")
    print(f"decision (core, {AGENTS} candidates): {_figures(core_ms)}")
    print(f"routing an arrival in its transaction (reads, decision, claim, writes): "
          f"{_figures(work_ms)}")  # fmt: skip
    print(f"… and its commit: {_figures(full_ms)}, {warm} warm-up; "
          f"{sum(1 for v in full_ms if v > TARGET_MS)} arrivals over {TARGET_MS:g} ms")  # fmt: skip
    core99 = percentile(core_ms, 99)
    print(f"decision p99 ≤ {TARGET_MS:g} ms: {verdict(core99 <= TARGET_MS)}")
    print(f"routing in the transaction p99 ≤ {TARGET_MS:g} ms: "
          f"{verdict(percentile(work_ms, 99) <= TARGET_MS)}")  # fmt: skip
    print(f"… with the commit p99 ≤ {TARGET_MS:g} ms: "
          f"{verdict(percentile(full_ms, 99) <= TARGET_MS)}")  # fmt: skip


def _figures(values: list[float]) -> str:
    p50, p99, p999 = (percentile(values, p) for p in (50, 99, 99.9))
    return (
        f"p50 {p50:.2f} ms, p99 {p99:.2f} ms, p99.9 {p999:.2f} ms, max {max(values):.2f} ms "
        f"(n={len(values)})"
    )


if __name__ == "__main__":
    main()
