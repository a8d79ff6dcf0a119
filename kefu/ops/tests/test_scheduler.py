"""`kefu scheduler`: the schedule table, due slots, the lock, last runs."""

from __future__ import annotations

import threading
import zoneinfo
from dataclasses import dataclass
from datetime import datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command, get_commands, load_command_class
from django.db import connection

from kefu.ops import scheduler
from kefu.ops.jobs import JOBS, Job
from kefu.ops.models import ScheduledJob

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 12, 3, 10, 0, 30, tzinfo=SHANGHAI)


@dataclass(frozen=True)
class CountingJob(Job):
    """A job that counts its runs instead of calling a command."""

    calls: list | None = None
    fails: bool = False

    def run(self) -> None:
        assert self.calls is not None
        self.calls.append(self.name)
        if self.fails:
            raise RuntimeError("disk full")


def job(name="tick", cron="*/10 * * * *", calls=None, fails=False, timeout_s=600):
    return CountingJob(
        name, cron, ("noop",), timeout_s, calls=calls if calls is not None else [], fails=fails
    )


def at(moment):
    return lambda: moment


def test_every_job_of_the_table_calls_a_command_that_accepts_its_arguments():
    commands = get_commands()
    assert len({j.name for j in JOBS}) == len(JOBS)
    for entry in JOBS:
        name, *args = entry.command
        assert name in commands, entry.name
        parser = load_command_class(commands[name], name).create_parser("kefu", name)
        parser.parse_args(args)  # exits (SystemExit) on an unknown argument


@pytest.mark.django_db
def test_it_starts_a_new_job_with_its_next_slot():
    calls = []
    tick = job(calls=calls)
    # given a job never seen
    outcomes = scheduler.run_due([tick], now=at(T0))
    # then it is recorded with the current slot as done, and not run
    assert [o.status for o in outcomes] == ["skipped"]
    assert calls == []
    assert ScheduledJob.objects.get(name="tick").slot == T0.replace(second=0)
    # when its next slot comes it runs, once
    later = T0 + timedelta(minutes=10)
    assert [o.status for o in scheduler.run_due([tick], now=at(later))] == ["ok"]
    assert [o.status for o in scheduler.run_due([tick], now=at(later))] == ["skipped"]
    assert calls == ["tick"]
    row = ScheduledJob.objects.get(name="tick")
    assert row.last_status == "ok"
    assert row.runs == 1
    assert row.last_success_at is not None
    assert row.locked_by == ""
    assert row.locked_until is None


@pytest.mark.django_db
def test_it_runs_missed_slots_once():
    calls = []
    tick = job(calls=calls)
    scheduler.run_due([tick], now=at(T0))
    # the scheduler was down for an hour: six slots missed, one run
    scheduler.run_due([tick], now=at(T0 + timedelta(hours=1)))
    scheduler.run_due([tick], now=at(T0 + timedelta(hours=1, minutes=1)))
    assert calls == ["tick"]


@pytest.mark.django_db
def test_it_records_a_failure_and_runs_the_other_jobs():
    calls = []
    broken, fine = job("broken", calls=calls, fails=True), job("fine", calls=calls)
    scheduler.run_due([broken, fine], now=at(T0))
    outcomes = scheduler.run_due([broken, fine], now=at(T0 + timedelta(minutes=10)))
    assert [o.status for o in outcomes] == ["failed", "ok"]
    row = ScheduledJob.objects.get(name="broken")
    assert (row.last_status, row.failures, row.runs) == ("failed", 1, 1)
    assert row.last_error == "RuntimeError: disk full"
    assert row.last_success_at is None
    assert row.locked_until is None


@pytest.mark.django_db
def test_it_leaves_a_job_another_runner_holds_until_its_lock_expires():
    calls = []
    tick = job(calls=calls, timeout_s=600)
    scheduler.run_due([tick], now=at(T0))
    slot = T0 + timedelta(minutes=10)
    # given runner A claimed the slot and died while running it
    assert scheduler.claim(tick, slot.replace(second=0), "host-a:1", slot)
    # then runner B finds it busy, even at the next slot
    outcome = scheduler.run_due([tick], runner="host-b:2", now=at(slot + timedelta(minutes=10)))
    assert [o.status for o in outcome] == ["busy"]
    assert calls == []
    # and takes it over once A's lock has expired
    outcome = scheduler.run_due([tick], runner="host-b:2", now=at(slot + timedelta(minutes=11)))
    assert [o.status for o in outcome] == ["ok"]
    assert calls == ["tick"]


@pytest.mark.django_db
def test_a_claim_is_granted_once_per_slot():
    tick = job()
    scheduler.run_due([tick], now=at(T0))
    slot = (T0 + timedelta(minutes=10)).replace(second=0)
    now = T0 + timedelta(minutes=10)
    assert scheduler.claim(tick, slot, "a", now)
    assert not scheduler.claim(tick, slot, "b", now)
    scheduler.release(tick, "a", ok=True, duration_ms=5)
    # released, the same slot is still done
    assert not scheduler.claim(tick, slot, "b", now)


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_runners_run_each_job_once():
    calls: list[str] = []
    jobs = [job(f"job{i}", calls=calls) for i in range(4)]
    scheduler.run_due(jobs, now=at(T0))
    later = T0 + timedelta(minutes=10)
    start = threading.Barrier(2)
    errors = []

    def runner(name: str) -> None:
        try:
            start.wait()
            for _ in range(3):
                scheduler.run_due(jobs, runner=name, now=at(later))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=runner, args=(f"host-{n}",)) for n in "ab"]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(calls) == ["job0", "job1", "job2", "job3"]
    assert all(r.runs == 1 for r in ScheduledJob.objects.all())


@pytest.mark.django_db
def test_the_command_lists_the_table_and_runs_once():
    out = StringIO()
    call_command("scheduler", "--list", stdout=out)
    text = out.getvalue()
    for entry in JOBS:
        assert entry.name in text
    assert "kefu qa pending" in text
    call_command("scheduler", "--once", stdout=StringIO())
    assert ScheduledJob.objects.count() == len(JOBS)


@pytest.mark.django_db
def test_it_leaves_out_the_jobs_the_settings_skip(settings):
    settings.KEFU_SCHEDULER_SKIP = ["routing_tick"]
    call_command("scheduler", "--once", stdout=StringIO())
    assert not ScheduledJob.objects.filter(name="routing_tick").exists()
    assert ScheduledJob.objects.filter(name="qa_pending").exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_on_postgresql_a_job_still_running_past_its_lock_is_not_started_twice():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL advisory locks")
    import psycopg

    calls = []
    tick = job(calls=calls, timeout_s=60)
    scheduler.run_due([tick], now=at(T0))
    # given runner A (another connection) still running the job, its row lock expired
    settings = connection.settings_dict
    other = psycopg.connect(
        dbname=settings["NAME"],
        user=settings["USER"],
        password=settings["PASSWORD"] or None,
        host=settings["HOST"] or None,
        port=settings["PORT"] or None,
        autocommit=True,
    )
    try:
        key = scheduler._advisory_key("tick")
        assert other.execute("SELECT pg_try_advisory_lock(%s)", [key]).fetchone()[0]
        # then runner B leaves it alone
        outcome = scheduler.run_due([tick], runner="b", now=at(T0 + timedelta(hours=1)))
        assert [o.status for o in outcome] == ["busy"]
        assert calls == []
        # and runs it once A is done
        other.execute("SELECT pg_advisory_unlock(%s)", [key])
        outcome = scheduler.run_due([tick], runner="b", now=at(T0 + timedelta(hours=1)))
        assert [o.status for o in outcome] == ["ok"]
    finally:
        other.close()
