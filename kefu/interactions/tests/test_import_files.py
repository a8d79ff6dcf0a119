"""Uploaded import files (issue 14 item 3): written 0600 in a 0700 folder, deleted once
imported, and a failed or stalled import's file deleted when the retention has passed
(`kefu import_cleanup`, and whenever a new import starts); the job then says so."""

from __future__ import annotations

import io
import os
import stat
from datetime import timedelta
from pathlib import Path

import orjson
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import native_conversation
from kefu.interactions.models import Conversation, ImportJob
from kefu.interactions.tasks import FILE_EXPIRED, cleanup_import_files, upload_folder
from kefu.interactions.views_import import store_upload

GOOD = orjson.dumps(native_conversation(id="F-1")) + b"\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.KEFU_IMPORT_FILE_RETENTION_DAYS = 7


def client_of(personas) -> Client:
    client = Client()
    client.force_login(personas.mia)
    client.cookies["django_language"] = "en"
    return client


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def job_with_file(status: str, age_days: float, **fields) -> ImportJob:
    path, _head, size = store_upload(SimpleUploadedFile("x.jsonl", GOOD))
    created = timezone.now() - timedelta(days=age_days)
    return ImportJob.objects.create(
        file_name="x.jsonl", file_format="jsonl", stored_path=str(path), total_bytes=size,
        status=status, created_at=created, heartbeat_at=created, **fields,
    )  # fmt: skip


@pytest.mark.django_db
def test_it_writes_uploads_readable_by_the_server_alone():
    old = os.umask(0)  # even a careless umask
    try:
        path, _head, _size = store_upload(SimpleUploadedFile("x.jsonl", GOOD))
    finally:
        os.umask(old)
    assert mode(path) == 0o600
    assert mode(path.parent) == 0o700
    assert path.read_bytes() == GOOD


@pytest.mark.django_db
def test_it_deletes_the_file_of_a_finished_import(personas):
    client_of(personas).post(
        reverse("interactions:import_list"),
        {"file": SimpleUploadedFile("good.jsonl", GOOD), "file_format": ""},
    )
    job = ImportJob.objects.get()
    assert job.status == "done" and not Path(job.stored_path).exists()


@pytest.mark.django_db
def test_it_deletes_an_old_failed_imports_file_and_says_so(personas):
    old = job_with_file("failed", 8, failure="OperationalError: database is locked")
    recent = job_with_file("failed", 2, failure="OperationalError: database is locked")
    done = job_with_file("done", 0)  # finished: nothing to keep it for
    assert cleanup_import_files() == 2
    assert not Path(old.stored_path).exists()
    assert Path(recent.stored_path).exists()
    assert not Path(done.stored_path).exists()

    client = client_of(personas)
    page = client.get(reverse("interactions:import_detail", args=[old.pk])).content.decode()
    assert "The uploaded file is no longer kept" in page
    assert "Run the import again" not in page
    retry = client.post(reverse("interactions:import_retry", args=[old.pk]))
    assert retry.status_code == 409
    page = client.get(reverse("interactions:import_detail", args=[recent.pk])).content.decode()
    assert "Run the import again" in page and "no longer kept" not in page


@pytest.mark.django_db
def test_it_fails_a_stalled_import_whose_file_expired(personas):
    stalled = job_with_file("queued", 8)
    running = job_with_file("running", 0)  # a worker is on it: left alone
    cleanup_import_files()
    stalled.refresh_from_db()
    assert (stalled.status, stalled.failure) == ("failed", FILE_EXPIRED)
    assert not Path(stalled.stored_path).exists()
    assert Path(running.stored_path).exists()
    running.refresh_from_db()
    assert running.status == "running"


@pytest.mark.django_db
def test_it_deletes_old_files_no_job_refers_to():
    folder = upload_folder()
    folder.mkdir(parents=True)
    orphan, fresh = folder / "orphan.jsonl", folder / "fresh.jsonl"
    orphan.write_bytes(GOOD)
    fresh.write_bytes(GOOD)
    eight_days_ago = (timezone.now() - timedelta(days=8)).timestamp()
    os.utime(orphan, (eight_days_ago, eight_days_ago))
    out = io.StringIO()
    call_command("import_cleanup", stdout=out)
    assert out.getvalue().strip() == "deleted 1 uploaded file(s)"
    assert not orphan.exists() and fresh.exists()


@pytest.mark.django_db
def test_a_new_import_cleans_up_expired_files(personas):
    old = job_with_file("failed", 30)
    client_of(personas).post(
        reverse("interactions:import_list"),
        {"file": SimpleUploadedFile("good.jsonl", GOOD), "file_format": ""},
    )
    assert not Path(old.stored_path).exists()


@pytest.mark.django_db
def test_it_refuses_uploads_over_the_size_limit(personas, settings):
    settings.KEFU_IMPORT_MAX_UPLOAD_BYTES = 100
    response = client_of(personas).post(
        reverse("interactions:import_list"),
        {"file": SimpleUploadedFile("big.jsonl", GOOD * 5), "file_format": ""},
    )
    assert response.status_code == 200
    assert "at most 100" in response.content.decode()
    assert not ImportJob.objects.exists()


@pytest.mark.django_db
def test_an_import_whose_worker_was_lost_is_queued_again_and_counts_once(personas):
    # given an upload imported once, then a job for the same file whose worker died
    # mid-run (no heartbeat for longer than KEFU_TASK_STALLED_AFTER_S)
    client_of(personas).post(
        reverse("interactions:import_list"),
        {"file": SimpleUploadedFile("good.jsonl", GOOD), "file_format": ""},
    )
    conversations = Conversation.objects.count()
    lost = job_with_file("running", 0.01)
    alive = job_with_file("running", 0)  # a worker is on it: left alone
    out = io.StringIO()
    call_command("import_resume", stdout=out)
    assert out.getvalue().strip() == f"resumed 1 import(s): {lost.pk}"
    lost.refresh_from_db()
    alive.refresh_from_db()
    # then it ran again to the end (inline tasks here) and created nothing twice
    assert lost.status == "done" and lost.created == 0 and lost.unchanged == lost.read > 0
    assert alive.status == "running"
    assert Conversation.objects.count() == conversations
