"""Files of articles: type and size checked, served only through the access layer (a
draft's file to its author and the owners, audited), changed by whoever edits the article."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from conftest import client_for
from kefu.audit.models import AuditLog
from kefu.knowledge import actions
from kefu.knowledge.models import ArticleAttachment
from kefu.knowledge.tests.conftest import REFUND
from kefu.lib.errors import Invalid, NotAllowed

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16


@pytest.fixture(autouse=True)
def _media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path


def png(name: str = "截图.png", data: bytes = PNG) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="image/png")


def test_types_and_sizes_are_checked(personas, published):
    with pytest.raises(Invalid):
        actions.add_attachment(personas.quinn, published.pk, png("x.html", b"<html>"))
    with pytest.raises(Invalid):
        actions.add_attachment(personas.quinn, published.pk, png("x.png", b"<svg>"))
    with pytest.raises(Invalid):
        actions.add_attachment(personas.quinn, published.pk, png("x.txt", b"a\x00b"))
    with override_settings(KEFU_KNOWLEDGE_MAX_ATTACHMENT_BYTES=10), pytest.raises(Invalid):
        actions.add_attachment(personas.quinn, published.pk, png())
    found = actions.add_attachment(personas.quinn, published.pk, png())
    assert (found.content_type, found.size) == ("image/png", len(PNG))
    assert (
        actions.add_attachment(
            personas.quinn, published.pk, png("价目表.csv", "套餐,价格\n".encode())
        ).content_type
        == "text/csv"
    )


def test_a_published_articles_file_is_read_by_everyone_signed_in(personas, published):
    found = actions.add_attachment(personas.quinn, published.pk, png())
    url = reverse("knowledge:attachment", args=[found.pk])
    response = client_for(personas.bob).get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PNG
    assert response["Content-Type"] == "image/png"
    assert client_for().get(url).status_code == 302
    api = client_for(personas.bob).get(f"/api/v1/knowledge/attachments/{found.pk}")
    assert api.status_code == 200
    detail = client_for(personas.bob).get(f"/api/v1/knowledge/articles/{published.pk}").json()
    assert detail["attachments"][0]["url"] == url
    assert not AuditLog.objects.filter(detail__event="download").exists()
    # the agent may not change a published article's files
    with pytest.raises(NotAllowed):
        actions.add_attachment(personas.bob, published.pk, png())
    assert (
        client_for(personas.bob)
        .post(reverse("knowledge:attachment_delete", args=[found.pk]))
        .status_code
        == 404
    )


def test_a_drafts_file_is_for_its_author_and_the_owners_and_audited(personas):
    draft = actions.create_article(personas.alice, REFUND)
    alice = client_for(personas.alice)
    response = alice.post(reverse("knowledge:attachment_add", args=[draft.pk]), {"file": png()})
    assert response.status_code == 302
    found = ArticleAttachment.objects.get()
    url = reverse("knowledge:attachment", args=[found.pk])
    assert client_for(personas.bob).get(url).status_code == 404
    assert (
        client_for(personas.bob).get(f"/api/v1/knowledge/attachments/{found.pk}").status_code == 404
    )
    assert client_for(personas.quinn).get(url).status_code == 200
    downloads = AuditLog.objects.filter(detail__event="download")
    assert [a.user for a in downloads] == [personas.quinn]
    page = alice.get(reverse("knowledge:article", args=[draft.pk])).content.decode()
    assert 'id="attachment-list"' in page and "截图.png" in page
    # the API: add and remove
    upload = png("表单.pdf", b"%PDF-1.4 x")
    added = alice.post(f"/api/v1/knowledge/articles/{draft.pk}/attachments", {"file": upload})
    assert added.status_code == 201 and added.json()["content_type"] == "application/pdf"
    gone = alice.delete(f"/api/v1/knowledge/attachments/{added.json()['id']}")
    assert gone.status_code == 204 and ArticleAttachment.objects.count() == 1
    refused = client_for(personas.bob).post(
        f"/api/v1/knowledge/articles/{draft.pk}/attachments", {"file": png()}
    )
    assert refused.status_code == 404
