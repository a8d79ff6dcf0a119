"""Web import (upload → task → progress → errors CSV) and export (streamed JSONL)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import orjson
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from conftest import native_conversation
from kefu.audit.models import AuditAction, AuditLog
from kefu.interactions.core.native import iter_jsonl
from kefu.interactions.importer import Importer, configured_tz
from kefu.interactions.models import Conversation, Customer, ImportJob
from kefu.interactions.tasks import run_import

IMPORTS = reverse("interactions:import_list")
EXPORT = reverse("interactions:export")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def login(persona) -> Client:
    client = Client()
    client.force_login(persona)
    return client


def jsonl(*records) -> bytes:
    return b"".join(r if isinstance(r, bytes) else orjson.dumps(r) + b"\n" for r in records)


def upload(client: Client, name: str, content: bytes, file_format: str = ""):
    return client.post(
        IMPORTS, {"file": SimpleUploadedFile(name, content), "file_format": file_format}
    )


GOOD_AND_BAD = jsonl(
    native_conversation(id="W-1"),
    native_conversation(id="W-2", channel="phone", messages=[]),
    native_conversation(id="W-BAD", survey={"csat": 7}),
)


# --- access ----------------------------------------------------------------------------


def test_anonymous_users_are_sent_to_log_in(personas, client):
    for url in (IMPORTS, EXPORT):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("persona", ["alice", "sam", "quinn", "tina", "olga"])
def test_importing_needs_the_permission(personas, persona):
    client = login(getattr(personas, persona))
    assert client.get(IMPORTS).status_code == 403
    assert upload(client, "a.jsonl", GOOD_AND_BAD).status_code == 403
    assert not ImportJob.objects.exists()


@pytest.mark.parametrize("persona", ["alice", "sam", "tina", "olga"])
def test_exporting_needs_the_permission(personas, persona):
    client = login(getattr(personas, persona))
    assert client.get(EXPORT).status_code == 403
    assert client.post(EXPORT, {"include_agents": "on"}).status_code == 403


def test_the_import_page_renders(personas):
    response = login(personas.mia).get(IMPORTS)
    assert response.status_code == 200
    assert b'enctype="multipart/form-data"' in response.content


# --- import ----------------------------------------------------------------------------


def test_uploading_a_jsonl_file_imports_it_and_reports_the_bad_record(personas, media):
    client = login(personas.mia)
    response = upload(client, "历史数据.jsonl", GOOD_AND_BAD)
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("interactions:import_detail", args=[job.pk])

    assert job.status == "done"
    assert (job.read, job.created, job.updated, job.unchanged, job.rejected) == (3, 2, 0, 0, 1)
    assert job.file_name == "历史数据.jsonl"
    assert job.file_format == "jsonl"
    assert job.total_bytes == len(GOOD_AND_BAD) == job.processed_bytes
    assert job.progress_percent == 100
    assert job.errors == [
        {
            "line": 3,
            "id": "W-BAD",
            "field": "survey.csat",
            "reason": "must be from 1 to 5, got 7",
            # kept so that the page shows the reason in the reader's language
            "template": "must be from {low} to {high}, got {value}",
            "params": {"low": 1, "high": 5, "value": "7"},
        }
    ]
    assert set(Conversation.objects.values_list("external_id", flat=True)) == {"W-1", "W-2"}
    assert not Path(job.stored_path).exists()  # personal data does not linger on disk
    assert Path(job.stored_path).parent == Path(media) / "imports"

    entry = AuditLog.objects.get(action=AuditAction.IMPORT)
    assert entry.user == personas.mia
    assert entry.detail["file_name"] == "历史数据.jsonl"
    assert (entry.detail["created"], entry.detail["rejected"]) == (2, 1)

    page = client.get(response.url)
    assert page.status_code == 200
    text = page.content.decode()
    assert "W-BAD" in text and "survey.csat" in text
    assert reverse("interactions:import_errors", args=[job.pk]) in text
    assert "every 1s" not in text  # finished: no more polling


def test_the_errors_csv_has_a_bom_and_every_stored_error(personas):
    client = login(personas.mia)
    upload(client, "a.jsonl", GOOD_AND_BAD + b"=HYPERLINK(1)\n")
    job = ImportJob.objects.get()
    response = client.get(reverse("interactions:import_errors", args=[job.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    raw = b"".join(response.streaming_content)
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert len(rows) == 3
    # The reason in the reader's language (Chinese first), from the stored template.
    assert rows[1] == ["3", "W-BAD", "survey.csat", "必须在 1 到 5 之间，实际为 7"]
    assert rows[2][0] == "4" and rows[2][2] == "json"


def test_reimporting_the_same_file_changes_nothing(personas):
    client = login(personas.mia)
    upload(client, "a.jsonl", GOOD_AND_BAD)
    upload(client, "a.jsonl", GOOD_AND_BAD)
    second = ImportJob.objects.order_by("pk").last()
    assert (second.created, second.updated, second.unchanged, second.rejected) == (0, 0, 2, 1)


def test_uploading_a_conversations_csv(personas):
    content = (
        "conversation_id,channel,customer_id,customer_phone,agent,created_at,status,category,"
        "csat,message_id,role,at,text\n"
        "CSV-1,chat,U900,13912345678,A0007,2024-05-02T10:00:00+08:00,open,售后/退款,4,"
        "m1,customer,2024-05-02T10:00:00+08:00,你好\n"
        "CSV-1,,,,,,,,,m2,agent,2024-05-02T10:00:30+08:00,您好\n"
        "CSV-2,fax,U901,,,2024-05-02T11:00:00+08:00,,,,,,,\n"
    ).encode("utf-8-sig")
    client = login(personas.adam)
    upload(client, "conversations.csv", content)
    job = ImportJob.objects.get()
    assert job.file_format == "csv-conversations"
    assert job.status == "done", job.failure
    assert (job.read, job.created, job.rejected) == (2, 1, 1)
    assert job.errors[0]["id"] == "CSV-2" and job.errors[0]["field"] == "channel"
    conv = Conversation.objects.get(external_id="CSV-1")
    assert (conv.message_count, conv.first_response_s, conv.csat) == (2, 30.0, 4)
    assert conv.category_path == ["售后", "退款"]


def test_uploading_an_agents_csv(personas):
    content = "id,name,team,tier\nA0200,赵敏,售后二组,new\n".encode()
    upload(login(personas.mia), "agents.csv", content)
    job = ImportJob.objects.get()
    assert job.file_format == "csv-agents"
    assert (job.status, job.created) == ("done", 1)


def test_the_format_can_be_chosen(personas):
    upload(login(personas.mia), "export.json", GOOD_AND_BAD, file_format="jsonl")
    assert ImportJob.objects.get().file_format == "jsonl"


def test_other_file_types_are_refused(personas):
    response = upload(login(personas.mia), "data.xlsx", b"PK\x03\x04")
    assert response.status_code == 200
    assert not ImportJob.objects.exists()
    assert response.context["form"].errors["file"]


def test_a_failing_import_marks_the_job_failed(personas, tmp_path):
    job = ImportJob.objects.create(
        created_by=personas.mia,
        file_name="gone.jsonl",
        file_format="jsonl",
        stored_path=str(tmp_path / "missing.jsonl"),
        total_bytes=10,
    )
    run_import.enqueue(job.pk)
    job.refresh_from_db()
    assert job.status == "failed"
    assert "FileNotFoundError" in job.failure
    assert job.finished_at is not None
    entry = AuditLog.objects.get(action=AuditAction.IMPORT)
    assert entry.detail["status"] == "failed" and entry.user == personas.mia
    page = login(personas.mia).get(reverse("interactions:import_detail", args=[job.pk]))
    assert "FileNotFoundError" in page.content.decode()


def test_the_progress_partial_polls_while_the_job_runs(personas):
    job = ImportJob.objects.create(
        created_by=personas.mia,
        file_name="big.jsonl",
        file_format="jsonl",
        stored_path="/nonexistent",
        total_bytes=1000,
        processed_bytes=420,
        status="running",
        read=12,
    )
    url = reverse("interactions:import_progress", args=[job.pk])
    response = login(personas.mia).get(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    text = response.content.decode()
    assert f'hx-get="{url}"' in text
    assert 'hx-trigger="every 1s"' in text
    assert 'value="42"' in text
    assert "<html" not in text  # a fragment, not a page
    detail = login(personas.mia).get(reverse("interactions:import_detail", args=[job.pk]))
    assert 'hx-trigger="every 1s"' in detail.content.decode()


def test_only_the_creator_or_importers_see_a_job(personas):
    job = ImportJob.objects.create(
        created_by=personas.mia, file_name="a.jsonl", file_format="jsonl", stored_path="/x"
    )
    for name in ("import_detail", "import_progress", "import_errors"):
        url = reverse(f"interactions:{name}", args=[job.pk])
        assert login(personas.adam).get(url).status_code == 200
        assert login(personas.quinn).get(url).status_code == 404
        assert login(personas.alice).get(url).status_code == 404
        assert Client().get(url).status_code == 302


# --- export ----------------------------------------------------------------------------


@pytest.fixture
def history(personas, import_records):
    import_records(
        native_conversation(
            id="E-1", customer={"id": "U1", "name": "王芳", "phone": "13812345678"}
        ),
        native_conversation(
            id="E-2",
            agent="A0102",
            channel="phone",
            messages=[
                {"id": "s1", "role": "agent", "agent": "A0102", "start_s": 0.0, "end_s": 3.0,
                 "text": "您好"},
                {"id": "s2", "role": "customer", "start_s": 3.5, "end_s": 9.0,
                 "text": "我的电话是13812345678"},
            ],
            transfers=[{"from": "A0007", "to": "A0102", "at": "2024-05-02T10:15:10+08:00"}],
            escalations=[{"level": "supervisor", "at": "2024-05-02T10:20:00+08:00"}],
            order={"converted": True, "amount": 199.0, "currency": "CNY"},
            extra_field={"kept": True},
        ),
    )  # fmt: skip
    return personas


def export_body(client: Client, **form) -> bytes:
    response = client.post(EXPORT, {"include_agents": "on", **form})
    assert response.status_code == 200, response.content[:500]
    assert response.streaming
    assert response["Content-Type"].startswith("application/x-ndjson")
    assert "attachment" in response["Content-Disposition"]
    return b"".join(response.streaming_content)


def test_the_export_page_renders(history):
    response = login(history.quinn).get(EXPORT)
    assert response.status_code == 200
    assert b'type="date"' in response.content


def test_an_export_re_imports_to_the_same_data(history):
    client = login(history.mia)
    first = export_body(client)
    records = list(iter_jsonl(first.splitlines(keepends=True), configured_tz()))
    assert [getattr(r, "id", None) for r in records] == ["A0001", "A0007", "A0102", "E-1", "E-2"]
    assert b"13812345678" in first  # the manager's export is not masked

    # importing the export again changes nothing
    report = Importer().feed_all(records)
    assert (report.created, report.updated, report.rejected) == (0, 0, 0)
    assert report.unchanged == 5

    # and from an empty database it rebuilds the same data
    Conversation.objects.all().delete()
    Customer.objects.all().delete()
    report = Importer().feed_all(iter_jsonl(first.splitlines(keepends=True), configured_tz()))
    assert report.created == 2 and report.rejected == 0
    assert export_body(client) == first

    entry = AuditLog.objects.filter(action=AuditAction.EXPORT).first()
    assert entry.user == history.mia
    assert entry.detail["masked"] is False


def test_a_qa_export_is_masked(history):
    body = export_body(login(history.quinn))
    assert b"13812345678" not in body
    assert b"138****5678" in body
    assert "王*".encode() in body
    entry = AuditLog.objects.get(action=AuditAction.EXPORT)
    assert entry.user == history.quinn and entry.detail["masked"] is True


def test_export_filters(history):
    client = login(history.mia)
    phone_only = [orjson.loads(line) for line in export_body(client, channel="phone").splitlines()]
    assert [r["id"] for r in phone_only if r["type"] == "conversation"] == ["E-2"]

    from kefu.accounts.models import Team

    team = Team.objects.get(name="售前一组")
    by_team = [orjson.loads(line) for line in export_body(client, team=team.pk).splitlines()]
    assert [r["id"] for r in by_team] == ["A0102", "E-2"]

    later = export_body(client, date_from="2024-05-03")
    assert later == b"".join(
        orjson.dumps(r) + b"\n" for r in (orjson.loads(x) for x in later.splitlines())
    )
    assert b'"conversation"' not in later

    same_day = export_body(client, date_from="2024-05-02", date_to="2024-05-02")
    assert same_day.count(b'"type":"conversation"') == 2

    entry = AuditLog.objects.filter(action=AuditAction.EXPORT).first()
    assert entry.detail["from"] == "2024-05-02" and entry.detail["to"] == "2024-05-02"


def test_export_rejects_an_inverted_date_range(history):
    response = login(history.mia).post(EXPORT, {"date_from": "2024-05-03", "date_to": "2024-05-01"})
    assert response.status_code == 200
    assert not response.streaming
    assert not AuditLog.objects.filter(action=AuditAction.EXPORT).exists()


@pytest.mark.django_db(transaction=True)
def test_the_export_streams_under_asgi(history):
    import asyncio

    from asgiref.sync import sync_to_async
    from django.db import connections
    from django.test import AsyncClient

    async def fetch() -> bytes:
        client = AsyncClient()
        await client.aforce_login(history.quinn)
        response = await client.post(EXPORT, {"include_agents": "on"})
        assert response.status_code == 200
        assert response.is_async
        body = b"".join([chunk async for chunk in response.streaming_content])
        # The views ran in sync_to_async's thread: close its connection, or PostgreSQL
        # refuses to drop the test database at the end ("accessed by other users").
        await sync_to_async(connections.close_all)()
        return body

    body = asyncio.run(fetch())
    assert body.count(b'"type":"conversation"') == 2
    assert b"13812345678" not in body


def test_the_errors_csv_neutralises_spreadsheet_formulas(personas):
    client = login(personas.mia)
    upload(client, "a.jsonl", jsonl(native_conversation(id="=cmd|' /C calc'!A0", channel="x")))
    job = ImportJob.objects.get()
    raw = b"".join(
        client.get(reverse("interactions:import_errors", args=[job.pk])).streaming_content
    )
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[1][1] == "'=cmd|' /C calc'!A0"


# --- a job whose worker died ---------------------------------------------------------


def _stalled_job(user, tmp_path, status="running"):
    from datetime import timedelta

    from django.utils import timezone

    from kefu.interactions.models import ImportJob

    path = tmp_path / "stalled.jsonl"
    path.write_bytes(orjson.dumps(native_conversation(id="STALLED-1")) + b"\n")
    long_ago = timezone.now() - timedelta(minutes=30)
    return ImportJob.objects.create(
        created_by=user,
        created_at=long_ago,
        heartbeat_at=long_ago,
        file_name="stalled.jsonl",
        file_format="jsonl",
        stored_path=str(path),
        total_bytes=path.stat().st_size,
        status=status,
    )


def test_a_job_whose_worker_died_says_so_and_runs_again(personas, tmp_path):
    from kefu.interactions.models import Conversation

    # given an import whose worker stopped half-way half an hour ago
    job = _stalled_job(personas.mia, tmp_path)
    client = Client()
    client.force_login(personas.mia)
    page = client.get(f"/imports/{job.pk}/").content.decode()
    assert "stopped responding" in page or "停止响应" in page
    # when the manager runs it again
    response = client.post(f"/imports/{job.pk}/retry/")
    # then it completes (the test task backend runs it at once)
    assert response.status_code == 302
    job.refresh_from_db()
    assert (job.status, job.created) == ("done", 1)
    assert Conversation.objects.filter(external_id="STALLED-1").exists()


def test_only_failed_or_stalled_jobs_can_be_retried_by_importers(personas, tmp_path):
    from django.utils import timezone

    job = _stalled_job(personas.mia, tmp_path)
    agent = Client()
    agent.force_login(personas.alice)
    assert agent.post(f"/imports/{job.pk}/retry/").status_code == 403
    job.heartbeat_at = timezone.now()  # its worker is alive after all
    job.save()
    manager = Client()
    manager.force_login(personas.mia)
    assert manager.post(f"/imports/{job.pk}/retry/").status_code == 409
    assert manager.get(f"/imports/{job.pk}/retry/").status_code == 405
