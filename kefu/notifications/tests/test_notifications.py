"""Notifications: written by `notify`, translated when shown, seen only by their
recipient, the bell's unread count, mark-read and opening one."""

from __future__ import annotations

import json

from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_noop

from kefu.accounts.models import ApiToken
from kefu.notifications.actions import mark_read, notify
from kefu.notifications.models import Notification


def test_notify_writes_one_per_recipient(personas):
    p = personas
    rows = notify([p.alice, p.alice, p.sam.pk, None], "test.kind", gettext_noop("Hello %(name)s"),
                  url="/reviews/", params={"name": "李娜"})  # fmt: skip
    assert len(rows) == 2
    with translation.override("en"):
        assert Notification.objects.get(recipient=p.alice).text == "Hello 李娜"
    assert mark_read(p.alice) == 1 and mark_read(p.alice) == 0


def test_titles_are_translated_when_shown(personas):
    notify([personas.alice], "x", gettext_noop("Review submitted."))
    with translation.override("zh-hans"):
        text = Notification.objects.get().text
    assert text  # translated if the catalogue has it, the msgid otherwise


def test_bell_list_and_open(personas):
    p = personas
    notify([p.alice], "x", "First", url="/reviews/list/")
    notify([p.bob], "x", "Not yours")
    client = Client()
    assert client.get(reverse("notifications:bell")).status_code == 302
    client.force_login(p.alice)
    bell = client.get(reverse("notifications:bell")).content.decode()
    assert 'data-unread="1"' in bell and "First" in bell and "Not yours" not in bell
    page = client.get(reverse("notifications:list")).content.decode()
    assert "First" in page and "Not yours" not in page
    mine = Notification.objects.get(recipient=p.alice)
    other = Notification.objects.get(recipient=p.bob)
    assert client.post(reverse("notifications:open", args=[other.pk])).status_code == 404
    opened = client.post(reverse("notifications:open", args=[mine.pk]))
    assert opened.url == "/reviews/list/"
    mine.refresh_from_db()
    assert mine.read_at is not None
    assert "data-unread" not in client.get(reverse("notifications:bell")).content.decode()
    assert client.get(reverse("notifications:open", args=[mine.pk])).status_code == 405


def test_an_outside_url_is_not_followed(personas):
    notify([personas.alice], "x", "Phish", url="https://evil.example/")
    client = Client()
    client.force_login(personas.alice)
    answer = client.post(reverse("notifications:open", args=[Notification.objects.get().pk]))
    assert answer.url == reverse("notifications:list")


def test_read_all_and_the_api(personas):
    p = personas
    notify([p.alice], "x", "One")
    notify([p.alice], "x", "Two")
    _, raw = ApiToken.issue(p.alice, "t")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    body = api.get("/api/v1/notifications", {"unread": "true"}).json()
    assert body["unread"] == 2 and [n["text"] for n in body["items"]] == ["Two", "One"]
    first = body["items"][1]["id"]
    marked = api.post(
        "/api/v1/notifications/read", json.dumps({"ids": [first]}), content_type="application/json"
    )
    assert marked.json() == {"marked": 1}
    assert Client().get("/api/v1/notifications").status_code == 401
    client = Client()
    client.force_login(p.alice)
    emptied = client.post(reverse("notifications:read_all"), HTTP_HX_REQUEST="true")
    assert "data-unread" not in emptied.content.decode()
    assert Notification.objects.filter(read_at=None).count() == 0
