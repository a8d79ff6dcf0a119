"""Encodings and binary files (issue 14 item 6): GB18030/GBK CSV (what Chinese Excel
writes) and UTF-8 with a BOM are read; binary and undecodable files get one clear
sentence (CLI: exit status 1; web: the job fails with it), never a traceback."""

from __future__ import annotations

import io
import zipfile

import orjson
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from conftest import native_conversation
from kefu.interactions.core.encoding import NOT_TEXT, UNKNOWN_ENCODING, UTF16, detect_encoding
from kefu.interactions.models import Conversation, ImportJob

CSV = (
    "conversation_id,channel,customer_id,customer_name,agent,created_at,category,role,at,text\n"
    "C-GB,chat,U-GB,王芳,A0007,2024-05-02T10:15:03+08:00,售后/退款,customer,"
    "2024-05-02T10:15:03+08:00,我的退款怎么还没到？\n"
    "C-GB,,,,,,,agent,2024-05-02T10:15:21+08:00,您好，请问订单号是多少？\n"
)
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01" + bytes(range(256)) * 4


def zipped() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a.jsonl", orjson.dumps(native_conversation()) * 50)
    return buffer.getvalue()


def jsonl(*records) -> bytes:
    return b"".join(orjson.dumps(r) + b"\n" for r in records)


def run_cli(path) -> tuple[int, str]:
    err = io.StringIO()
    try:
        call_command("import", str(path), "--language", "en", stdout=io.StringIO(), stderr=err)
    except SystemExit as exc:
        return exc.code, err.getvalue()
    except CommandError as exc:
        return exc.returncode, str(exc)
    return 0, err.getvalue()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("gbk.csv", CSV.encode("gbk")),
        ("gb18030.csv", CSV.encode("gb18030")),
        ("bom.csv", CSV.encode("utf-8-sig")),
        ("plain.csv", CSV.encode()),
    ],
)
def test_it_reads_chinese_csv_in_every_encoding_excel_writes(personas, tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    assert run_cli(path) == (0, "")
    conversation = Conversation.objects.get(external_id="C-GB")
    assert conversation.category_path == ["售后", "退款"]
    assert conversation.customer.name == "王芳"
    assert list(conversation.messages.values_list("text", flat=True)) == [
        "我的退款怎么还没到？",
        "您好，请问订单号是多少？",
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030"])
def test_it_reads_jsonl_with_a_bom_or_in_gb18030(personas, tmp_path, encoding):
    record = native_conversation(id="C-J")
    path = tmp_path / "x.jsonl"
    path.write_bytes(orjson.dumps(record).decode().encode(encoding) + b"\n")
    assert run_cli(path) == (0, "")
    assert Conversation.objects.get(external_id="C-J").customer.name == "王芳"


@pytest.mark.django_db
def test_a_utf8_line_in_a_gb18030_file_is_read_as_utf8(personas, tmp_path):
    # pasted together from two exports: mostly GB18030, one record in UTF-8
    gb = [native_conversation(id=f"C-GB{i}") for i in range(3)]
    utf8 = native_conversation(id="C-U8", customer={"id": "U-U8", "name": "李娜"})
    body = b"".join(orjson.dumps(r).decode().encode("gb18030") + b"\n" for r in gb)
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(body + orjson.dumps(utf8) + b"\n")

    assert run_cli(path) == (0, "")
    assert Conversation.objects.get(external_id="C-U8").customer.name == "李娜"
    assert Conversation.objects.get(external_id="C-GB0").customer.name == "王芳"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "content", "sentence"),
    [
        ("picture.jsonl", PNG, NOT_TEXT),
        ("archive.jsonl", zipped(), NOT_TEXT),
        ("archive.csv", zipped(), NOT_TEXT),
        ("utf16.csv", CSV.encode("utf-16"), UTF16),
        ("latin.csv", bytes(range(128, 256)) * 40 + b"\n" + bytes(range(160, 256)) * 9, UNKNOWN_ENCODING),
    ],
)  # fmt: skip
def test_it_refuses_files_that_are_not_text_with_one_sentence(
    personas, tmp_path, name, content, sentence
):
    path = tmp_path / name
    path.write_bytes(content)
    code, output = run_cli(path)
    assert code == 1
    assert output == f"{name}: {sentence}"
    assert not Conversation.objects.exists()


@pytest.mark.django_db
def test_it_rejects_only_the_garbled_row_of_a_csv(personas, tmp_path):
    body = (
        CSV.encode("utf-8") + b"C-BAD,chat,U-2,\xff\xfe\xfa,A0007,2024-05-02T10:15:03+08:00,,,,\n"
    )
    path = tmp_path / "mixed.csv"
    path.write_bytes(body)
    code, output = run_cli(path)
    assert code == 1
    assert (
        "line 4 record C-BAD: customer.name: contains a NUL byte or bytes that are not text"
        in output
    )
    assert Conversation.objects.filter(external_id="C-GB").exists()


@pytest.mark.django_db
def test_a_csv_cell_beyond_the_csv_module_limit_is_one_sentence(personas, tmp_path):
    second = "\n".join(CSV.splitlines()[1:]).replace("C-GB", "C-2") + "\n"
    broken = b'C-2,chat,U-2,"' + b"x" * 140_000 + b'",A0007,2024-05-02T10:15:03+08:00\n'
    path = tmp_path / "huge.csv"
    path.write_bytes(CSV.encode() + second.encode() + broken)
    code, output = run_cli(path)
    assert code == 1 and "cannot be read past a broken row" in output
    # The conversations before it, except C-2, which the broken row may have continued.
    assert list(Conversation.objects.values_list("external_id", flat=True)) == ["C-GB"]


def test_the_sniffer_decides_by_the_majority_of_lines():
    gb = CSV.encode("gb18030")
    assert detect_encoding(gb, whole_file=True) == "gb18030"
    assert detect_encoding(CSV.encode() + b"\xff\n", whole_file=True) == "utf-8-sig"
    # A head cut in the middle of a character is not held against the file.
    assert detect_encoding(CSV.encode()[:-2], whole_file=False) == "utf-8-sig"


@pytest.mark.django_db
def test_the_web_import_fails_a_binary_file_with_the_sentence(personas, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    client = Client()
    client.force_login(personas.mia)
    client.cookies["django_language"] = "en"
    response = client.post(
        reverse("interactions:import_list"),
        {"file": SimpleUploadedFile("photo.jsonl", PNG), "file_format": ""},
    )
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert (job.status, job.failure) == ("failed", NOT_TEXT)
    page = client.get(reverse("interactions:import_detail", args=[job.pk]))
    assert NOT_TEXT in page.content.decode()
    assert "Run the import again" not in page.content.decode()  # nothing to run again
    client.cookies["django_language"] = "zh-hans"
    chinese = client.get(reverse("interactions:import_detail", args=[job.pk]))
    assert "不是文本文件" in chinese.content.decode()


@pytest.mark.django_db
def test_a_gbk_csv_uploaded_on_the_web_is_imported(personas, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    client = Client()
    client.force_login(personas.mia)
    client.post(
        reverse("interactions:import_list"),
        {"file": SimpleUploadedFile("excel.csv", CSV.encode("gbk")), "file_format": ""},
    )
    job = ImportJob.objects.get()
    assert (job.status, job.file_format, job.created) == ("done", "csv-conversations", 1)
