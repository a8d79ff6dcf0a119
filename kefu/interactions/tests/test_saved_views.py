"""Saved views of the conversation list (我的视图): only known filters kept, name rules,
30 per user, a duplicate name replaces; private to their owner; opening one is the list
with its query string, under the list's own scope."""

from __future__ import annotations

from urllib.parse import parse_qsl

import pytest
from django.http import QueryDict
from django.urls import reverse

from conftest import client_for, native_conversation
from kefu.interactions import actions
from kefu.interactions.models import SavedView
from kefu.lib.errors import Conflict, Invalid, NotFound


def test_only_known_filters_are_kept(personas):
    params = QueryDict("q=退款&complaint=yes&after=abc&before=x&evil=1&channel=chat&status=")
    view = actions.save_view(personas.alice, "我的差评会话", params)
    assert parse_qsl(view.query) == [("channel", "chat"), ("complaint", "yes"), ("q", "退款")]


def test_name_rules_and_a_duplicate_name_replaces(personas):
    for bad in ("", "   ", "名" * 61):
        with pytest.raises(Invalid):
            actions.save_view(personas.alice, bad, QueryDict("channel=chat"))
    first = actions.save_view(personas.alice, "  名" * 1 + "字 ", QueryDict("channel=chat"))
    assert first.name == "名字"
    again = actions.save_view(personas.alice, "名字", QueryDict("channel=phone"))
    assert again.pk == first.pk and again.query == "channel=phone"
    assert actions.save_view(personas.alice, "名" * 60, QueryDict("")).query == ""
    # another user's view of the same name is theirs
    assert actions.save_view(personas.bob, "名字", QueryDict("")).pk != first.pk


def test_at_most_thirty_per_user(personas):
    for n in range(SavedView.MAX_PER_USER):
        actions.save_view(personas.alice, f"视图{n}", QueryDict("channel=chat"))
    with pytest.raises(Conflict):
        actions.save_view(personas.alice, "第三十一个", QueryDict(""))
    # replacing one is still allowed; another user is not limited by alice's
    actions.save_view(personas.alice, "视图0", QueryDict("channel=phone"))
    actions.save_view(personas.bob, "视图0", QueryDict(""))
    assert SavedView.objects.filter(user=personas.alice).count() == 30


def test_delete_is_the_owners_only(personas):
    view = actions.save_view(personas.alice, "a", QueryDict(""))
    with pytest.raises(NotFound):
        actions.delete_view(view, user=personas.bob)
    actions.delete_view(view, user=personas.alice)
    assert not SavedView.objects.exists()


def test_save_list_open_and_delete_through_the_pages(personas):
    client = client_for(personas.alice)
    response = client.post(
        reverse("interactions:saved_view_save"),
        {"name": "我的差评会话", "query": "complaint=yes&after=zzz&nonsense=1"},
    )
    view = SavedView.objects.get(user=personas.alice)
    assert response.status_code == 302 and response.url == reverse(
        "interactions:saved_view", args=[view.pk]
    )
    opened = client.get(response.url)
    assert opened.status_code == 302
    assert opened.url == reverse("interactions:conversation_list") + "?complaint=yes"
    page = client.get(opened.url).content.decode()
    assert "我的视图" in page and ">我的差评会话</a>" in page and "保存当前视图" in page
    # somebody else neither opens, sees nor deletes it
    bob = client_for(personas.bob)
    assert bob.get(reverse("interactions:saved_view", args=[view.pk])).status_code == 404
    delete = reverse("interactions:saved_view_delete", args=[view.pk])
    assert bob.post(delete).status_code == 404
    link = f'href="{reverse("interactions:saved_view", args=[view.pk])}"'
    assert link not in bob.get(reverse("interactions:conversation_list")).content.decode()
    # anonymous: to the log-in
    assert (
        client_for().post(reverse("interactions:saved_view_save"), {"name": "x"}).status_code == 302
    )
    assert client_for().get(reverse("interactions:saved_view", args=[view.pk])).status_code == 302
    # a bad name is refused with a message, nothing saved
    client.post(reverse("interactions:saved_view_save"), {"name": "", "query": ""})
    assert SavedView.objects.count() == 1
    assert client.post(delete).status_code == 302
    assert not SavedView.objects.exists()


def test_an_opened_view_keeps_the_lists_scope(personas, import_records):
    import_records(
        native_conversation(id="C-ALICE-1", agent="A0007"),
        native_conversation(id="C-BOB-1", agent="A0102"),
    )
    client = client_for(personas.alice)
    client.post(reverse("interactions:saved_view_save"), {"name": "王强", "query": "agent=A0102"})
    view = SavedView.objects.get()
    assert view.query == "agent=A0102"
    page = client.get(client.get(reverse("interactions:saved_view", args=[view.pk])).url)
    assert page.status_code == 200
    assert "C-BOB-1" not in page.content.decode()
