"""Structured logs: the JSON formatter, request ids and the access log line."""

from __future__ import annotations

import json
import logging

import pytest

from kefu.ops import logs


def record(message="hello %s", args=("world",), **extra) -> logging.LogRecord:
    rec = logging.LogRecord("kefu.test", logging.WARNING, __file__, 1, message, args, None)
    rec.__dict__.update(extra)
    return rec


def test_it_formats_one_json_object_per_line():
    line = logs.JsonFormatter().format(record(status=200, duration_ms=12.5, user_id=7))
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["message"] == "hello world"
    assert entry["level"] == "WARNING"
    assert entry["logger"] == "kefu.test"
    assert entry["time"].endswith("+00:00")
    assert (entry["status"], entry["duration_ms"], entry["user_id"]) == (200, 12.5, 7)


def test_it_keeps_chinese_and_the_traceback():
    try:
        raise ValueError("坏了")
    except ValueError:
        import sys

        rec = record("客户 %s", ("王芳",))
        rec.exc_info = sys.exc_info()
    entry = json.loads(logs.JsonFormatter().format(rec))
    assert entry["message"] == "客户 王芳"
    assert "ValueError: 坏了" in entry["exception"]


def test_it_adds_the_current_request_id():
    token = logs.request_id.set("abc123")
    try:
        rec = record()
        logs.RequestIdFilter().filter(rec)
    finally:
        logs.request_id.reset(token)
    assert json.loads(logs.JsonFormatter().format(rec))["request_id"] == "abc123"
    assert logs.TextFormatter("%(message)s").format(rec) == "hello world [request abc123]"


@pytest.fixture
def access_log(caplog):
    caplog.set_level(logging.INFO, logger="kefu.request")
    return caplog


def access_entries(caplog) -> list[dict]:
    formatter = logs.JsonFormatter()
    return [json.loads(formatter.format(r)) for r in caplog.records if r.name == "kefu.request"]


@pytest.mark.django_db
def test_it_logs_each_request_with_its_id_user_route_status_and_duration(
    client, personas, access_log
):
    client.force_login(personas.mia)
    response = client.get("/conversations/", HTTP_X_REQUEST_ID="edge-42")
    assert response.status_code == 200
    assert response["X-Request-ID"] == "edge-42"
    (entry,) = access_entries(access_log)
    assert entry["request_id"] == "edge-42"
    assert entry["user_id"] == personas.mia.pk
    assert entry["method"] == "GET"
    assert entry["path"] == "/conversations/"
    assert entry["route"] == "/conversations/"
    assert entry["status"] == 200
    assert entry["duration_ms"] > 0


@pytest.mark.django_db
def test_it_makes_an_id_when_the_given_one_is_unfit(client, access_log):
    response = client.get("/accounts/login/", HTTP_X_REQUEST_ID="bad id\nwith newline")
    rid = response["X-Request-ID"]
    assert len(rid) == 32 and rid.isalnum()
    (entry,) = access_entries(access_log)
    assert entry["request_id"] == rid
    assert "user_id" not in entry  # anonymous


@pytest.mark.django_db
def test_it_logs_no_probe(client, access_log):
    client.get("/healthz")
    client.get("/readyz")
    assert access_entries(access_log) == []


def test_the_settings_pick_the_json_formatter(monkeypatch):
    import subprocess
    import sys

    code = (
        "import django, logging, os;"
        "os.environ['DJANGO_SETTINGS_MODULE']='kefu.settings_test';"
        "django.setup();"
        "from django.conf import settings;"
        "print(settings.KEFU_ACCESS_LOG);"
        "logging.getLogger('kefu.x').warning('声明 %s', 1)"
    )
    import os

    env = {**os.environ, "KEFU_LOG_FORMAT": "json"}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.stdout.strip() == "True"
    entry = json.loads(done.stderr.strip().splitlines()[-1])
    assert entry["message"] == "声明 1"
    assert entry["logger"] == "kefu.x"
