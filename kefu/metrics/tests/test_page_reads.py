"""A person waiting on a KPI page never pays for a large import's backlog: the page shows
the figures of the last count and says so, a worker counts the rest; the command and the
API stay exact."""

from __future__ import annotations

import threading
from datetime import date, datetime, timedelta

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from conftest import SHANGHAI, native_conversation
from kefu.accounts.access import ALL
from kefu.metrics import facts
from kefu.metrics.models import DirtyDay, PendingFact
from kefu.metrics.selectors import Scope, figures

T0 = datetime(2024, 5, 2, 10, 0, tzinfo=SHANGHAI)
MAY = Scope(date(2024, 5, 1), date(2024, 5, 31), visible=ALL)
DUMMY_TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


def conversations(prefix: str, n: int) -> list[dict]:
    return [
        native_conversation(
            id=f"{prefix}-{i}", created=T0 + timedelta(hours=i), customer={"id": f"{prefix}U{i}"}
        )
        for i in range(n)
    ]


@pytest.fixture
def counted_three(personas, import_records, settings):
    """Three conversations counted; then an import of four more whose refresh task is
    queued and not yet run (a worker is busy), as during a large import."""
    assert import_records(*conversations("OLD", 3)).rejected == 0
    assert figures(MAY)["conversations"] == 3
    settings.TASKS = DUMMY_TASKS
    assert import_records(*conversations("NEW", 4)).rejected == 0
    assert PendingFact.objects.count() == 4
    return personas


def queued_refresh_tasks() -> int:
    from django_tasks import default_task_backend

    return sum(r.task.name == "refresh_metrics" for r in default_task_backend.results)


def test_a_page_read_leaves_a_backlog_above_its_limit_to_a_worker(counted_three):
    with facts.page_read(limit=3) as page:
        shown = figures(MAY)["conversations"]
    assert shown == 3  # the figures of the last count
    assert page.behind and page.counting == 4
    assert PendingFact.objects.count() == 4
    # the command and the API refresh in full: exact
    assert figures(MAY)["conversations"] == 7
    assert not PendingFact.objects.exists()


def test_a_page_read_counts_a_small_backlog_itself(counted_three):
    with facts.page_read(limit=4) as page:
        shown = figures(MAY)["conversations"]
    assert shown == 7
    assert not page.behind and page.counting == 0
    assert not PendingFact.objects.exists()


def test_a_page_read_leaves_many_days_to_re_sum_to_a_worker(counted_three, monkeypatch):
    monkeypatch.setattr(facts, "PAGE_DAYS", 2)
    facts.refresh_all()
    # a backfill touched three days (say, spread over last year)
    facts.mark_dirty(T0.date() + timedelta(days=d) for d in range(3))
    with facts.page_read() as page:
        figures(MAY)
    assert page.behind and page.counting == 0
    assert DirtyDay.objects.count() == 3
    monkeypatch.setattr(facts, "PAGE_DAYS", 3)
    with facts.page_read() as page:
        figures(MAY)
    assert not page.behind
    assert not DirtyDay.objects.exists()


def test_the_figures_of_one_page_come_from_one_count(counted_three, import_records):
    with facts.page_read(limit=100) as page:
        first = figures(MAY)["conversations"]
        import_records(*conversations("LATER", 2))  # stored while the page is read
        second = figures(MAY)["conversations"]
    assert (first, second) == (7, 7)
    assert not page.behind
    assert figures(MAY)["conversations"] == 9


def test_outside_a_page_read_there_is_no_page_state(counted_three):
    assert facts.page_state() is None
    with facts.page_read() as page:
        assert facts.page_state() is page
    assert facts.page_state() is None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("work", ["queued conversation", "day to re-sum"])
def test_on_postgresql_a_page_does_not_wait_for_a_worker_refreshing(monkeypatch, work):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL advisory locks")
    if work == "day to re-sum":
        DirtyDay.objects.create(day=T0.date(), mark=1)
    else:
        facts.queue([123])  # no such conversation: its refresh only takes it off the queue
    holding, release = threading.Event(), threading.Event()

    def worker() -> None:  # another process's refresh, holding the lock in its transaction
        from django.db import transaction

        try:
            with transaction.atomic():
                facts.one_at_a_time(facts.REFRESH_LOCK)
                holding.set()
                release.wait(10)
        finally:
            connections.close_all()

    thread = threading.Thread(target=worker)
    thread.start()
    try:
        assert holding.wait(10)
        monkeypatch.setattr(facts, "PAGE_LOCK_WAIT_S", 0.2)
        with facts.page_read() as page:
            figures(MAY)
        assert page.behind
        assert page.counting == (work == "queued conversation")
        assert DirtyDay.objects.exists() or PendingFact.objects.exists()  # left to the worker
    finally:
        release.set()
        thread.join()
    with facts.page_read() as page:
        figures(MAY)
    assert not page.behind
    assert not DirtyDay.objects.exists() and not PendingFact.objects.exists()


# --- the pages ----------------------------------------------------------------------------


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


PAGES = [
    ("metrics:overview", {}),
    ("metrics:trends", {}),
    ("metrics:workload", {}),
    ("sla:report", {}),
]


@pytest.mark.parametrize(("name", "query"), PAGES)
def test_a_kpi_page_says_when_its_figures_are_behind(counted_three, monkeypatch, name, query):
    monkeypatch.setattr(facts, "PAGE_BACKLOG", 3)
    response = as_user(counted_three.mia).get(
        reverse(name), {"date_from": "2024-05-01", "date_to": "2024-05-31", **query}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="kpi-counting"' in html
    assert "正在统计 4 个新会话" in html
    assert PendingFact.objects.count() == 4


def test_a_page_says_when_a_worker_re_sums_days(counted_three, monkeypatch):
    facts.refresh_all()
    facts.mark_dirty(T0.date() + timedelta(days=d) for d in range(3))
    monkeypatch.setattr(facts, "PAGE_DAYS", 2)
    before = queued_refresh_tasks()
    response = as_user(counted_three.sam).get(reverse("metrics:overview"))
    assert "正在更新统计" in response.content.decode()
    assert queued_refresh_tasks() == before + 1


def test_the_overview_shows_the_last_count_while_behind(counted_three, monkeypatch):
    monkeypatch.setattr(facts, "PAGE_BACKLOG", 3)
    before = queued_refresh_tasks()
    response = as_user(counted_three.mia).get(
        reverse("metrics:overview"), {"date_from": "2024-05-01", "date_to": "2024-05-31"}
    )
    assert response.context["data"]["current"]["conversations"] == 3
    assert queued_refresh_tasks() == before + 1  # a worker is asked to count the rest


def test_a_current_page_has_no_notice(counted_three):
    response = as_user(counted_three.mia).get(
        reverse("metrics:overview"), {"date_from": "2024-05-01", "date_to": "2024-05-31"}
    )
    assert 'id="kpi-counting"' not in response.content.decode()
    assert response.context["data"]["current"]["conversations"] == 7


def test_an_agent_sees_the_notice_on_their_own_page(counted_three, monkeypatch):
    monkeypatch.setattr(facts, "PAGE_BACKLOG", 3)
    alice = counted_three.alice
    response = as_user(alice).get(reverse("metrics:me"), follow=True)
    assert response.status_code == 200
    assert 'id="kpi-counting"' in response.content.decode()


def test_anonymous_visits_count_nothing_and_queue_nothing(counted_three, monkeypatch, client):
    monkeypatch.setattr(facts, "PAGE_BACKLOG", 3)
    before = queued_refresh_tasks()
    response = client.get(reverse("metrics:overview"))
    assert response.status_code == 302
    assert queued_refresh_tasks() == before
    assert PendingFact.objects.count() == 4


def test_the_api_stays_exact_during_a_backlog(counted_three, monkeypatch):
    monkeypatch.setattr(facts, "PAGE_BACKLOG", 3)
    response = as_user(counted_three.mia).get(
        "/api/v1/metrics", {"from": "2024-05-01", "to": "2024-05-31"}
    )
    assert response.status_code == 200, response.content
    assert response.json()["conversations"] == 7
