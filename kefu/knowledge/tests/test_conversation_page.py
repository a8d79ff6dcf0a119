"""The conversation page shows the knowledge suggestions like the workspace: a slot that
loads the suggestion fragment by URL next to a reply draft (interactions never imports
the knowledge app)."""

from __future__ import annotations

from django.urls import reverse

from conftest import client_for, native_conversation


def test_the_conversation_page_loads_the_suggestions_by_url(personas, published, import_records):
    import_records(native_conversation(id="KC-1", agent="A0007"))
    page = client_for(personas.alice).get(
        reverse("interactions:conversation_detail", args=["KC-1"])
    )
    assert page.status_code == 200
    html = page.content.decode()
    suggest = reverse("knowledge:suggest", args=["KC-1"])
    assert f'hx-get="{suggest}"' in html and "data-knowledge-reply" in html
    assert "knowledge/suggest.js" in html
    # the fragment it loads: the refund FAQ for "我的退款怎么还没到？", with its actions
    fragment = client_for(personas.alice).get(suggest).content.decode()
    assert f'data-article="{published.pk}"' in fragment
    assert "knowledge-insert" in fragment and "knowledge-link" in fragment
    assert "#request-form" in fragment  # flag it
