"""Import and export of articles: per-record errors (where, key, field, reason) while the
valid records are kept, idempotent re-import, a changed text makes a new version, the
round trip through an empty database, the commands, the page and the API, by role."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from conftest import client_for
from kefu.audit.models import AuditLog
from kefu.knowledge import actions, interchange
from kefu.knowledge.choices import State
from kefu.knowledge.core import interchange as core
from kefu.knowledge.models import Article, ArticleVersion
from kefu.knowledge.tests.conftest import REFUND

SOP = {
    "key": "refund-check",
    "type": "sop",
    "title": "退款查询流程",
    "tags": ["退款"],
    "owner": "quinn",
    "state": "published",
    "body": "先确认订单号。\n\n## 原因\n正文里的标题",
    "steps": "1. 查询退款状态\n   - 如果 已退款 → 3\n2. 提交加急\n3. 告知到账时间",
    "snippet": "您的退款正在处理。",
}
FAQ = {"key": "invoice", "title": "怎么开发票", "resolution": "在订单页申请电子发票。",
       "state": "draft", "tags": "发票, 订单"}  # fmt: skip


def jsonl(*records: dict) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode()


def zip_of(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def run(user, name: str, data: bytes, **kwargs) -> interchange.Report:
    return interchange.import_records(user, interchange.read_file(name, data), **kwargs)


def test_valid_records_are_imported_beside_bad_ones(personas):
    data = jsonl(SOP, {"key": "bad key", "title": ""}, FAQ, {**FAQ, "key": "x", "owner": "nobody"})
    data += b"not json\n"
    with translation.override("en"):
        report = run(personas.quinn, "kb.jsonl", data)
    assert (report.created, len(report.errors)) == (2, 4)
    by_where = {(e["record"], e["field"]): e for e in report.errors}
    assert by_where[("kb.jsonl:2", "key")]["reason"].startswith("letters, digits")
    assert by_where[("kb.jsonl:2", "title")]["key"] == "bad key"
    assert by_where[("kb.jsonl:4", "owner")]["reason"] == "no user “nobody”"
    assert ("kb.jsonl:5", "") in by_where
    sop = Article.objects.get(key="refund-check")
    assert sop.state == State.PUBLISHED and sop.head.steps[0]["branches"] == [
        {"if": "已退款", "goto": 3}
    ]
    assert Article.objects.get(key="invoice").state == State.DRAFT


def test_reasons_are_in_chinese(personas):
    with translation.override("zh-hans"):
        report = run(personas.quinn, "kb.jsonl", jsonl({"key": "a", "title": "t", "type": "video"}))
    (problem,) = report.errors
    assert problem["field"] == "type" and "必须" in problem["reason"]


def test_the_same_files_again_change_nothing_and_a_change_makes_a_version(personas):
    run(personas.quinn, "kb.jsonl", jsonl(SOP, FAQ))
    versions = ArticleVersion.objects.count()
    again = run(personas.quinn, "kb.jsonl", jsonl(SOP, FAQ))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert ArticleVersion.objects.count() == versions
    changed = run(personas.quinn, "kb.jsonl", jsonl({**SOP, "snippet": "新话术"}), draft_only=True)
    assert changed.updated == 1
    sop = Article.objects.get(key="refund-check")
    assert sop.state == State.DRAFT and sop.head.number == 2 and sop.published_version.number == 1
    # the file's state: publishing the same text is a move, not a new version
    moved = run(personas.quinn, "kb.jsonl", jsonl({**SOP, "snippet": "新话术"}))
    assert (moved.moved, moved.updated) == (1, 0)
    sop.refresh_from_db()
    assert sop.published_version.number == 2


def test_an_archived_article_is_not_changed_by_an_import(personas):
    run(personas.quinn, "kb.jsonl", jsonl({**FAQ, "state": "archived"}))
    report = run(personas.quinn, "kb.jsonl", jsonl({**FAQ, "resolution": "新"}))
    assert report.errors[0]["key"] == "invoice" and Article.objects.get().head.number == 1


def test_a_key_twice_in_one_import_is_an_error(personas):
    report = run(personas.quinn, "kb.zip", zip_of({
        "a.md": core.render_markdown(core.check(FAQ)[0]),
        "b.md": core.render_markdown(core.check(FAQ)[0]),
        "notes.txt": "x",
        "__MACOSX/a.md": "junk",
    }))  # fmt: skip
    assert report.created == 1
    assert [(e["record"], e["field"]) for e in report.errors] == [
        ("b.md", "key"),
        ("notes.txt", ""),
    ]


def test_only_owners_import_and_export(personas):
    from kefu.lib.errors import NotAllowed

    with pytest.raises(NotAllowed):
        run(personas.alice, "kb.jsonl", jsonl(FAQ))
    with pytest.raises(NotAllowed):
        interchange.export_records(personas.alice)


def test_export_then_import_into_an_empty_database_exports_the_same(personas, tmp_path):
    actions.create_article(personas.quinn, {**REFUND, "owner": personas.quinn})  # no key
    run(personas.quinn, "kb.jsonl", jsonl(SOP, FAQ, {**FAQ, "key": "old", "state": "archived"}))
    first_md, first_jsonl = tmp_path / "md", tmp_path / "all.jsonl"
    call_command("knowledge_export", str(first_md), "--user", "quinn")
    call_command("knowledge_export", str(first_jsonl), "--format", "jsonl", "--user", "quinn")
    keyless = Article.objects.get(title=REFUND["title"]).pk
    assert sorted(p.name for p in first_md.iterdir()) == sorted(
        [f"kb-{keyless}.md", "invoice.md", "old.md", "refund-check.md"]
    )
    assert AuditLog.objects.filter(object_type="knowledge.export").count() == 2
    Article.objects.all().delete()
    call_command("knowledge_import", str(first_md), "--user", "quinn")
    assert Article.objects.count() == 4
    second = tmp_path / "again.jsonl"
    call_command("knowledge_export", str(second), "--format", "jsonl", "--user", "quinn")
    assert second.read_text() == first_jsonl.read_text()
    # and JSONL into an empty database
    Article.objects.all().delete()
    call_command("knowledge_import", str(first_jsonl), "--user", "quinn")
    call_command("knowledge_export", str(second), "--format", "jsonl", "--user", "quinn")
    assert second.read_text() == first_jsonl.read_text()


def test_the_import_command_reports_errors(personas, tmp_path, capsys):
    (tmp_path / "good.md").write_text(core.render_markdown(core.check(FAQ)[0]))
    (tmp_path / "bad.md").write_text("---\nkey: bad\n---\n")
    call_command("knowledge_import", str(tmp_path), "--user", "quinn")
    out = capsys.readouterr()
    assert "created 1" in out.out and "bad.md [bad] title" in out.err


# --- the page -----------------------------------------------------------------------------------
def test_the_page_is_for_owners_and_lists_the_errors(personas):
    url = reverse("knowledge:transfer")
    assert client_for(personas.alice).get(url).status_code == 404
    assert client_for(personas.alice).get(reverse("knowledge:export")).status_code == 404
    quinn = client_for(personas.quinn)
    upload = io.BytesIO(zip_of({"good.md": core.render_markdown(core.check(FAQ)[0]),
                                "bad.md": "no front matter"}))  # fmt: skip
    upload.name = "kb.zip"
    response = quinn.post(url, {"file": upload})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="import-errors"' in html and "bad.md" in html
    assert Article.objects.filter(key="invoice").exists()
    export = quinn.get(reverse("knowledge:export"), {"format": "md"})
    assert export["Content-Type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(export.content)).namelist()
    assert names == ["invoice.md"]


# --- the API ------------------------------------------------------------------------------------
def test_the_api_imports_and_exports_for_owners_only(personas):
    upload = io.BytesIO(jsonl(SOP, {"key": "x"}))
    upload.name = "kb.jsonl"
    refused = client_for(personas.alice).post("/api/v1/knowledge/import", {"file": upload})
    assert refused.status_code == 403
    upload.seek(0)
    response = client_for(personas.quinn).post(
        "/api/v1/knowledge/import?draft=true", {"file": upload}
    )
    body = response.json()
    assert response.status_code == 200 and body["created"] == 1
    assert body["errors"][0]["record"] == "kb.jsonl:2" and body["errors"][0]["key"] == "x"
    assert Article.objects.get().state == State.DRAFT  # draft=true: nothing published
    assert client_for(personas.alice).get("/api/v1/knowledge/export").status_code == 403
    export = client_for(personas.quinn).get("/api/v1/knowledge/export", {"format": "jsonl"})
    assert [json.loads(line)["key"] for line in export.content.decode().splitlines()] == [
        "refund-check"
    ]
    missing = client_for(personas.quinn).post("/api/v1/knowledge/import")
    assert missing.status_code == 422
