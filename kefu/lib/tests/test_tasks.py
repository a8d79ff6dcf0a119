"""Queueing follow-up tasks: once per window for live writes, and a row that says so
when the queue is down."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from django.core.cache import cache

from kefu.lib.tasks import enqueue_soon, queue_or_run_now


@dataclass
class FakeTask:
    defer: bool
    queued: list = field(default_factory=list)
    run_after: object = None

    def get_backend(self):
        return type("Backend", (), {"supports_defer": self.defer})()

    def using(self, run_after=None):
        self.run_after = run_after
        return self

    def enqueue(self):
        self.queued.append(self.run_after)


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()


def test_live_writes_queue_one_deferred_task_per_window():
    task = FakeTask(defer=True)
    assert [enqueue_soon(task, "k", delay_s=5) for _ in range(20)] == [True] + [False] * 19
    assert len(task.queued) == 1 and task.queued[0] is not None  # runs after the window
    assert enqueue_soon(task, "other", delay_s=5)  # another kind of work has its own window


def test_a_backend_that_cannot_defer_runs_every_time():
    task = FakeTask(defer=False)
    for _ in range(3):
        enqueue_soon(task, "k", delay_s=5)
    assert task.queued == [None, None, None]


class DownTask(FakeTask):
    def enqueue(self):
        raise ConnectionError("queue down")


def test_it_queues_the_work_or_runs_it_now_when_the_queue_is_down():
    ran = []
    up = FakeTask(defer=True)
    queue_or_run_now(up, lambda: ran.append("now"), live=False, key="k")
    queue_or_run_now(up, lambda: ran.append("now"), live=True, key="k")
    assert len(up.queued) == 2 and ran == []
    for live in (False, True):
        queue_or_run_now(DownTask(defer=False), lambda: ran.append("now"), live=live, key="k2")
    assert ran == ["now", "now"]
