"""/healthz and /readyz: no log-in, JSON, status codes, nothing sensitive."""

from __future__ import annotations

import json
import os

import pytest

from kefu.ops import probes


def test_it_answers_healthz_without_the_database(client):
    # no django_db mark: any database access would raise
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content) == {"status": "ok"}


@pytest.mark.django_db
def test_it_answers_probes_by_address_and_over_http_in_production(client, settings):
    # given the production settings: one host name, HTTPS redirect
    settings.ALLOWED_HOSTS = ["kefu.example.com"]
    settings.SECURE_SSL_REDIRECT = True
    # then a probe by address over plain HTTP still gets its answer
    assert client.get("/healthz", HTTP_HOST="10.0.0.7:8000").status_code == 200
    assert client.get("/readyz", HTTP_HOST="10.0.0.7:8000").status_code == 200
    # while pages keep the host check
    assert client.get("/accounts/login/", HTTP_HOST="10.0.0.7:8000").status_code == 400


@pytest.mark.django_db
def test_it_reports_ready_with_each_check(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    body = json.loads(response.content)
    assert body == {
        "status": "ok",
        "checks": {
            "database": "ok",
            "migrations": "ok",
            # the test settings: in-memory channel layer, immediate tasks
            "channel_layer": "skipped",
            "tasks": "skipped",
        },
    }


@pytest.mark.django_db
def test_it_reports_not_ready_when_the_database_fails(client, monkeypatch):
    def broken() -> None:
        raise RuntimeError("could not connect to server at 10.1.2.3 password=secret")

    monkeypatch.setattr(probes, "check_database", broken)
    response = client.get("/readyz")
    assert response.status_code == 503
    body = json.loads(response.content)
    assert body["status"] == "fail"
    assert body["checks"]["database"] == "fail"
    assert body["checks"]["migrations"] == "fail"  # not asked without a database
    assert b"10.1.2.3" not in response.content and b"secret" not in response.content


@pytest.mark.django_db
def test_it_reports_not_ready_when_migrations_are_missing(client, monkeypatch):
    from django.db.migrations.executor import MigrationExecutor

    monkeypatch.setattr(probes, "_migrations_applied", False)
    monkeypatch.setattr(MigrationExecutor, "migration_plan", lambda self, targets: [("x", False)])
    response = client.get("/readyz")
    assert response.status_code == 503
    assert json.loads(response.content)["checks"]["migrations"] == "fail"


@pytest.mark.django_db
def test_it_checks_redis_when_configured(client, settings):
    # given a Redis channel layer and RQ tasks on a port where nothing listens
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": ["redis://127.0.0.1:1/0"]},
        }
    }
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend"}}
    settings.RQ_QUEUES = {"default": {"URL": "redis://127.0.0.1:1/0"}}
    response = client.get("/readyz")
    assert response.status_code == 503
    body = json.loads(response.content)
    assert body["checks"]["channel_layer"] == "fail"
    assert body["checks"]["tasks"] == "fail"
    assert b"127.0.0.1" not in response.content


@pytest.mark.redis
@pytest.mark.django_db
@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="REDIS_URL is not set")
def test_it_is_ready_with_a_live_redis(client, settings):
    url = os.environ["REDIS_URL"]
    settings.CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [url]}}
    }
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend"}}
    settings.RQ_QUEUES = {"default": {"URL": url}}
    response = client.get("/readyz")
    assert response.status_code == 200
    assert json.loads(response.content)["checks"] == {
        "database": "ok",
        "migrations": "ok",
        "channel_layer": "ok",
        "tasks": "ok",
    }


@pytest.mark.django_db
def test_it_only_allows_get(client):
    for path in ("/healthz", "/readyz", "/metrics"):
        response = client.post(path)
        assert response.status_code == 405
        assert response["Allow"] == "GET, HEAD"


@pytest.mark.django_db
def test_it_still_redirects_metrics_pages_with_a_slash(client):
    # /metrics is Prometheus; /metrics/ stays the KPI dashboards (log-in required)
    response = client.get("/metrics/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.django_db(transaction=True)
def test_it_answers_in_the_async_chain():
    from asgiref.sync import async_to_sync
    from django.test import AsyncClient

    # Uvicorn runs the chain in async mode: the checks run in a thread
    async def ask() -> list:
        client = AsyncClient()
        return [
            await client.get("/healthz"),
            await client.get("/readyz"),
            await client.get("/metrics"),  # the test client comes from 127.0.0.1
            await client.get("/accounts/login/"),
        ]

    healthz, readyz, metrics, page = async_to_sync(ask)()
    assert (healthz.status_code, readyz.status_code, metrics.status_code) == (200, 200, 200)
    assert json.loads(readyz.content)["checks"]["database"] == "ok"
    assert b"kefu_http_request_duration_seconds" in metrics.content
    assert page.status_code == 200 and len(page["X-Request-ID"]) == 32
