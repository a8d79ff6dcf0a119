"""Deployment hardening: Django's deploy checks in the documented production set-up,
refusing the published demo keys, keys kept in var/, security headers and the
Content-Security-Policy, the API docs behind log-in, and the request size limit."""

from __future__ import annotations

import io
import json
import os
import re
import secrets
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import RequestDataTooBig
from django.core.handlers.asgi import ASGIRequest
from django.test import Client

from conftest import native_conversation
from kefu.accounts.models import ApiToken
from kefu.interactions.api import json_body

PROJECT_DIR = Path(__file__).resolve().parents[3]
DEMO_KEY = "kefu-insecure-demo-key-change-me-in-production"
DEMO_SALT = "kefu-demo-salt-change-me"


def kefu(args: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    """Run `kefu ARGS` with the production settings module and only the given KEFU_ env."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("KEFU_", "DJANGO_"))}
    clean |= {"DJANGO_SETTINGS_MODULE": "kefu.settings", "KEFU_VAR_DIR": str(tmp_path)} | env
    return subprocess.run(
        [sys.executable, "-m", "kefu.cli", *args],
        cwd=PROJECT_DIR,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


def production_env() -> dict[str, str]:
    """The production set-up of docs/operations.md."""
    return {
        "KEFU_DEBUG": "0",
        "KEFU_SECRET_KEY": secrets.token_urlsafe(50),
        "KEFU_FIELD_ENCRYPTION_SALTS": secrets.token_urlsafe(16),
        "KEFU_ALLOWED_HOSTS": "kefu.example.com",
        "KEFU_CSRF_TRUSTED_ORIGINS": "https://kefu.example.com",
        "KEFU_HTTPS": "1",
        "KEFU_PROXY_SSL_HEADER": "1",
    }


# --- settings ---------------------------------------------------------------------------


def test_it_passes_the_deploy_checks_in_the_production_set_up(tmp_path):
    result = kefu(["check", "--deploy", "--fail-level", "WARNING"], tmp_path, **production_env())
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


def test_the_embedded_set_up_warns_only_about_https(tmp_path):
    # `make run` serves http://127.0.0.1:8000: HTTPS settings are off, nothing else is amiss
    result = kefu(["check", "--deploy"], tmp_path)
    ids = set(re.findall(r"\((\w+\.[EW]\d+)\)", result.stderr))
    assert ids == {"security.W004", "security.W008", "security.W012", "security.W016"}, (
        result.stderr
    )


@pytest.mark.parametrize(
    "env",
    [
        {"KEFU_SECRET_KEY": DEMO_KEY},
        {"KEFU_SECRET_KEY": "x" * 60, "KEFU_SECRET_KEY_FALLBACKS": DEMO_KEY},
        {"KEFU_SECRET_KEY": "x" * 60, "KEFU_FIELD_ENCRYPTION_SALTS": DEMO_SALT},
    ],
)
def test_it_refuses_the_published_demo_keys_without_debug(tmp_path, env):
    refused = kefu(["check"], tmp_path, KEFU_DEBUG="0", **env)
    assert refused.returncode != 0
    assert "public demo key" in refused.stderr
    # a developer's DEBUG set-up may still use them
    assert kefu(["check"], tmp_path, KEFU_DEBUG="1", **env).returncode == 0


def test_it_keeps_generated_keys_in_the_var_directory(tmp_path):
    show = ["shell", "-c", "from django.conf import settings as s; print(s.SECRET_KEY, s.SALT_KEY)"]
    first = kefu(show, tmp_path)
    assert first.returncode == 0, first.stderr
    # the same keys on the next start (encrypted fields stay readable), private to the owner
    assert kefu(show, tmp_path).stdout == first.stdout
    for name in ("secret_key", "field_encryption_salt"):
        path = tmp_path / name
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert path.read_text().strip() in first.stdout
    assert DEMO_KEY not in first.stdout and DEMO_SALT not in first.stdout


# --- headers ----------------------------------------------------------------------------


def csp(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {d.split()[0]: d.split()[1:] for d in header.split(";") if d.strip()}


def test_it_sends_a_content_security_policy_without_inline_scripts(personas, client):
    client.force_login(personas.mia)
    response = client.get("/conversations/")
    policy = csp(response)
    assert policy["script-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def test_no_template_carries_inline_script(personas):
    # The policy forbids inline scripts and handlers: keep every template free of them.
    offenders = []
    for path in (PROJECT_DIR / "kefu").rglob("templates/**/*.html"):
        text = path.read_text()
        for needle in ("<script>", " onclick=", " onchange=", " onsubmit=", " onload=",
                       " oninput=", "javascript:", "hx-on"):  # fmt: skip
            if needle in text:
                offenders.append(f"{path.relative_to(PROJECT_DIR)}: {needle.strip()}")
        for chunk in text.split("<script")[1:]:
            tag = chunk.split(">", 1)[0]
            if "src=" not in tag and "application/json" not in tag:
                offenders.append(f"{path.relative_to(PROJECT_DIR)}: inline <script{tag}>")
    assert offenders == []


def test_it_redirects_to_https_and_sends_hsts_when_configured(db, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    response = Client().get("/accounts/login/")
    assert response.status_code == 301
    assert response["Location"].startswith("https://")
    secure = Client().get("/accounts/login/", HTTP_X_FORWARDED_PROTO="https")
    assert secure.status_code == 200
    assert secure["Strict-Transport-Security"].startswith("max-age=31536000")


# --- API docs ---------------------------------------------------------------------------


def test_the_api_docs_need_a_log_in(personas, client):
    response = client.get("/api/docs")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/api/docs")
    schema = client.get("/api/openapi.json")
    assert schema.status_code == 401
    assert schema.json() == {"detail": "Unauthorized"}


def test_the_api_docs_are_served_to_users_and_tokens(personas, client):
    client.force_login(personas.alice)
    assert client.get("/api/docs").status_code == 200
    assert client.get("/api/openapi.json").status_code == 200
    _, raw = ApiToken.issue(personas.bob, "codegen")
    by_token = Client().get("/api/openapi.json", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert by_token.status_code == 200
    assert "KEFU_MAX_REQUEST_BYTES" in by_token.json()["info"]["description"]
    assert Client().get("/api/openapi.json", HTTP_AUTHORIZATION="Bearer kefu_x").status_code == 401


# --- request size -----------------------------------------------------------------------


def post_json(client: Client, raw: bytes, path: str = "/api/v1/conversations"):
    return client.post(path, raw, content_type="application/json")


def padded(limit: int, extra: int) -> bytes:
    """One valid conversation, padded with spaces to exactly LIMIT + EXTRA bytes."""
    raw = json.dumps(native_conversation(), ensure_ascii=False).encode()
    return raw + b" " * (limit + extra - len(raw))


def test_a_body_just_over_the_limit_is_refused_with_413(personas, client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 4096
    client.force_login(personas.mia)
    response = post_json(client, padded(4096, 1))
    assert response.status_code == 413
    detail = response.json()["detail"]
    assert "4096" in detail and "KEFU_MAX_REQUEST_BYTES" in detail  # in the request's language


@pytest.mark.parametrize(
    ("path", "body"),
    [("/api/v1/reviews", b'{"conversation": "x"}'), ("/api/v1/notifications/read", b"{}")],
)
def test_every_endpoint_answers_413_over_the_limit(personas, client, settings, path, body):
    # bodies that ninja reads itself get the same answer (Django's would be a bare 400)
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 4096
    client.force_login(personas.mia)
    response = post_json(client, body + b" " * 4096, path)
    assert response.status_code == 413
    assert "KEFU_MAX_REQUEST_BYTES" in response.json()["detail"]


def test_a_body_at_the_limit_is_accepted(personas, client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 4096
    client.force_login(personas.mia)
    response = post_json(client, padded(4096, 0))
    assert response.status_code == 201, response.content


@pytest.mark.parametrize(("extra", "refused"), [(0, False), (1, True)])
def test_a_chunked_body_without_length_is_held_to_the_limit(settings, extra, refused):
    # ASGI bodies sent chunked carry no Content-Length for Django to check
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 4096
    scope = {"type": "http", "method": "POST", "path": "/api/v1/conversations",
             "query_string": b"", "headers": [(b"content-type", b"application/json")]}  # fmt: skip
    request = ASGIRequest(scope, io.BytesIO(padded(4096, extra)))
    if refused:
        with pytest.raises(RequestDataTooBig):  # answered 413 by kefu/api.py
            json_body(request)
    else:
        assert json_body(request)["type"] == "conversation"
