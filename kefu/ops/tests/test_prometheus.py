"""/metrics: who may scrape, and the figures it carries."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django_tasks import task
from prometheus_client import REGISTRY

from kefu.ops import prom


def sample(name: str, **labels) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


@task()
def ops_test_noop() -> int:
    return 1


@task()
def ops_test_broken() -> None:
    raise ValueError("boom")


@pytest.mark.django_db
def test_it_refuses_scrapes_from_other_addresses(client):
    response = client.get("/metrics", REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 403
    assert b"kefu_" not in response.content


@pytest.mark.django_db
def test_it_serves_this_host_and_the_allowed_networks(client, settings):
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 200
    import ipaddress

    settings.KEFU_METRICS_NETWORKS = [ipaddress.ip_network("10.0.0.0/8")]
    assert client.get("/metrics", REMOTE_ADDR="10.9.8.7").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 403


@pytest.mark.django_db
def test_it_takes_the_client_address_behind_proxies(client, settings):
    settings.KEFU_PROXY_COUNT = 1
    # the proxy (127.0.0.1) forwards an outside client: refused
    response = client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert response.status_code == 403


@pytest.mark.django_db
def test_it_serves_a_bearer_token_from_anywhere(client, settings):
    settings.KEFU_METRICS_TOKEN = "s3cret-scrape-token"
    ok = client.get(
        "/metrics", REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer s3cret-scrape-token"
    )
    assert ok.status_code == 200
    wrong = client.get("/metrics", REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer nope")
    assert wrong.status_code == 403


@pytest.mark.django_db
def test_it_measures_requests_by_route_pattern(client):
    labels = {"route": "/accounts/login/", "method": "GET", "status": "2xx"}
    before = sample("kefu_http_request_duration_seconds_count", **labels)
    client.get("/accounts/login/")
    client.get("/accounts/login/")
    assert sample("kefu_http_request_duration_seconds_count", **labels) == before + 2
    body = client.get("/metrics", REMOTE_ADDR="127.0.0.1").content.decode()
    assert (
        'kefu_http_request_duration_seconds_bucket{le="0.005",method="GET",route="/accounts/login/",status="2xx"}'
        in body
    )


@pytest.mark.django_db
def test_it_labels_routes_by_pattern_not_by_path(client, personas):
    client.force_login(personas.mia)
    client.get("/conversations/C-NOSUCH-A/")
    client.get("/conversations/C-NOSUCH-B/")
    body = client.get("/metrics", REMOTE_ADDR="127.0.0.1").content.decode()
    assert "NOSUCH" not in body  # (digits would match a float's digits in the body)
    assert 'route="/conversations/<extid:external_id>/",status="4xx"' in body


@pytest.mark.django_db
def test_it_counts_task_durations_and_failures():
    ok_path = ops_test_noop.module_path
    broken_path = ops_test_broken.module_path
    runs = sample("kefu_task_duration_seconds_count", task=ok_path, status="ok")
    failures = sample("kefu_task_failures_total", task=broken_path)
    ops_test_noop.enqueue()
    ops_test_broken.enqueue()
    assert sample("kefu_task_duration_seconds_count", task=ok_path, status="ok") == runs + 1
    assert sample("kefu_task_failures_total", task=broken_path) == failures + 1
    assert sample("kefu_task_duration_seconds_count", task=broken_path, status="failed") >= 1


@pytest.mark.django_db
def test_it_reports_the_database_queue_depth(client, settings):
    # given the embedded database backend with two tasks waiting
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    ops_test_noop.using(backend="default").enqueue()
    ops_test_noop.using(backend="default").enqueue()
    assert ("database", "default", 2) in prom.queue_depths()
    body = client.get("/metrics", REMOTE_ADDR="127.0.0.1").content.decode()
    assert 'kefu_task_queue_depth{backend="database",queue="default"} 2.0' in body


@pytest.mark.django_db
def test_it_reports_the_work_backlogs_the_kpi_pages_say_are_being_counted(client):
    from kefu.metrics import facts

    # given three conversations written and not yet counted for the KPIs
    facts.queue([101, 102, 103])
    body = client.get("/metrics", REMOTE_ADDR="127.0.0.1").content.decode()
    assert 'kefu_work_backlog{queue="kpi_facts"} 3.0' in body
    assert 'kefu_work_backlog{queue="qa_scoring"} 0.0' in body
    assert 'kefu_work_backlog{queue="customer_risk"} 0.0' in body


@pytest.mark.django_db
def test_a_backlog_that_cannot_be_counted_does_not_break_the_scrape(client, monkeypatch):
    def broken() -> int:
        raise RuntimeError("database gone")

    monkeypatch.setitem(prom._BACKLOGS, "kpi_facts", broken)
    response = client.get("/metrics", REMOTE_ADDR="127.0.0.1")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'kefu_work_backlog{queue="qa_scoring"} 0.0' in body
    assert 'queue="kpi_facts"' not in body


@pytest.mark.django_db
def test_it_reports_each_scheduled_jobs_last_success(client):
    from django.utils import timezone

    from kefu.ops.models import ScheduledJob

    ScheduledJob.objects.create(name="qa_pending", last_success_at=timezone.now())
    body = client.get("/metrics", REMOTE_ADDR="127.0.0.1").content.decode()
    assert 'kefu_scheduled_job_last_success_timestamp_seconds{job="qa_pending"}' in body


@pytest.mark.django_db
def test_it_sums_every_process_in_multiprocess_mode(tmp_path, monkeypatch):
    # given two other processes that served requests, writing to one directory
    script = "from kefu.ops import prom\nprom.observe_request('/x/', 'GET', 200, 0.02)\n"
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    for _ in range(2):
        subprocess.run([sys.executable, "-c", script], env=env, check=True, timeout=60)
    # when this process scrapes in multi-process mode
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    body, _ = prom.exposition()
    # then the scrape holds both processes' requests
    text = body.decode()
    assert (
        'kefu_http_request_duration_seconds_count{method="GET",route="/x/",status="2xx"} 2.0'
        in text
    )
