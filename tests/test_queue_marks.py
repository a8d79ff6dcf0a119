"""The three derived-data queues (KPI facts, QA scoring, risk index) on PostgreSQL, with a
writer on another connection while a pass is in its work: the writer does not wait for
the pass, the conversation it queued again stays queued, and a second pass of the same
queue waits for the first (each queue its own advisory lock, writers never take one)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from kefu.customers import refresh as risk_refresh
from kefu.customers.models import PendingRisk
from kefu.metrics import facts
from kefu.metrics.models import PendingFact
from kefu.qa import scoring
from kefu.qa.models import PendingQa

# (module, its queue model, the work step called inside the pass, the pass, its lock)
QUEUES = {
    "kpi-facts": (facts, PendingFact, "refresh_facts", facts.refresh_pending, "REFRESH_LOCK"),
    "qa": (scoring, PendingQa, "_score_chunk", scoring.score_pending, "QUEUE_LOCK"),
    "risk": (
        risk_refresh,
        PendingRisk,
        "refresh_customers",
        risk_refresh.refresh_pending,
        "REFRESH_LOCK",
    ),
}
LOCKS = {name: getattr(q[0], q[4]) for name, q in QUEUES.items()}


def test_each_queue_has_its_own_advisory_lock():
    assert len(set(LOCKS.values())) == len(LOCKS)
    assert scoring._PG_LOCK not in LOCKS.values()


def _try_lock(key: int) -> bool:
    """Whether a pass could take this queue's lock now (released again at once)."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [key])
        return bool(cursor.fetchone()[0])


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("name", list(QUEUES))
def test_a_writer_never_waits_for_a_pass_and_what_it_queues_stays_queued(name, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL: a writer on another connection while a pass runs")
    module, model, step, work_off, _ = QUEUES[name]
    gone = [900_000_001, 900_000_002]  # no such conversations: a pass just takes them off
    module.queue(gone)
    inside, release = threading.Event(), threading.Event()
    work = getattr(module, step)

    def held(*args, **kwargs):
        inside.set()
        assert release.wait(30)
        return work(*args, **kwargs)

    monkeypatch.setattr(module, step, held)
    errors: list[BaseException] = []

    def a_pass() -> None:
        try:
            work_off()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=a_pass)
    thread.start()
    try:
        # given a pass (another connection) in the middle of its work, holding its lock
        assert inside.wait(30)
        with connection.cursor() as cursor:
            cursor.execute("SET statement_timeout = 5000")  # a wait would fail, not hang
        # when a writer queues one of its conversations again: it does not wait
        module.queue([gone[1]])
        # and a second pass of this queue would wait; the other queues' would not
        assert not _try_lock(LOCKS[name])
        assert all(_try_lock(key) for other, key in LOCKS.items() if other != name)
    finally:
        release.set()
        thread.join(60)
        with connection.cursor() as cursor:
            cursor.execute("SET statement_timeout = 0")
    assert not thread.is_alive() and errors == []
    # then the pass took off what it did, and left the conversation written meanwhile
    assert list(model.objects.values_list("conversation_id", flat=True)) == [gone[1]]
    work_off()
    assert not model.objects.exists()
