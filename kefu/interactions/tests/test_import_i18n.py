"""The importer's reasons speak the reader's language (issue 14): the core keeps English
templates with parameters; the web page, the errors CSV, the API and the CLI translate."""

from __future__ import annotations

import io

import orjson
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from conftest import native_conversation
from kefu.interactions.models import ImportJob

BAD = native_conversation(id="C-BAD", survey={"csat": 9})
ENGLISH = "must be from 1 to 5, got 9"
CHINESE = "必须在 1 到 5 之间，实际为 9"


def client_in(personas, language: str | None) -> Client:
    client = Client()
    client.force_login(personas.mia)
    if language:
        client.cookies["django_language"] = language
    return client


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "reason"), [(None, CHINESE), ("zh-hans", CHINESE), ("en", ENGLISH)]
)
def test_it_shows_the_reason_in_the_ui_language(personas, language, reason):
    client = client_in(personas, language)
    client.post(
        reverse("interactions:import_list"),
        {"file": SimpleUploadedFile("bad.jsonl", orjson.dumps(BAD)), "file_format": ""},
    )
    job = ImportJob.objects.get()
    page = client.get(reverse("interactions:import_detail", args=[job.pk])).content.decode()
    assert reason in page
    errors = b"".join(
        client.get(reverse("interactions:import_errors", args=[job.pk])).streaming_content
    ).decode("utf-8-sig")
    assert reason in errors
    api = client.post("/api/v1/conversations", orjson.dumps([BAD]), content_type="application/json")
    assert api.json()["errors"][0]["reason"] == reason


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("environ", "option", "expected"),
    [
        ({"LANG": "zh_CN.UTF-8"}, None, "第 1 行 记录 C-BAD：survey.csat：" + CHINESE),
        ({"LANG": "en_US.UTF-8"}, None, "line 1 record C-BAD: survey.csat: " + ENGLISH),
        ({"LANG": "C.UTF-8"}, None, "第 1 行 记录 C-BAD：survey.csat：" + CHINESE),  # the site's
        ({"LANG": "zh_CN.UTF-8"}, "en", "line 1 record C-BAD: survey.csat: " + ENGLISH),
        ({"LC_ALL": "en_GB.UTF-8", "LANG": "zh_CN.UTF-8"}, None, "line 1 record C-BAD"),
    ],
)
def test_the_cli_follows_the_locale_or_the_option(
    personas, tmp_path, monkeypatch, environ, option, expected
):
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    path = tmp_path / "bad.jsonl"
    path.write_bytes(orjson.dumps(BAD) + b"\n")
    err = io.StringIO()
    args = ["--language", option] if option else []
    with pytest.raises(SystemExit):
        call_command("import", str(path), *args, stdout=io.StringIO(), stderr=err)
    assert expected in err.getvalue()
