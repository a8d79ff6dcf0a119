"""Ids with `/`, `?`, `#`, `%`, spaces, Chinese or `..` route on every page that takes one
(issue 14 item 5): they used to be accepted and then break the conversation list, search,
QA results and customer pages with NoReverseMatch for everyone who could see them."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from conftest import native_conversation
from kefu.interactions.converters import ExternalIdConverter

HOSTILE_IDS = [
    "ORD/2024/001",
    "a?b=1&c",
    "x#frag",
    "50%off",
    "x%2Fy",
    "with space ",
    "订单/甲 乙",
    "..",
    ".",
    "a/../b",
    "back\\slash",
    "/lead",
    "trail/",
]


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def hostile(personas, import_records):
    records = [
        native_conversation(id=conv_id, customer={"id": f"U/{n}?#%.."}, agent="A0007")
        for n, conv_id in enumerate(HOSTILE_IDS)
    ]
    report = import_records(*records)
    assert report.rejected == 0, report.errors
    return personas


@pytest.mark.parametrize("value", HOSTILE_IDS)
def test_it_round_trips_any_printable_id_through_the_converter(value):
    converter = ExternalIdConverter()
    url = converter.to_url(value)
    assert "/" not in url and url not in (".", "..")
    assert converter.to_python(url) == value


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["alice", "sam", "mia"])
def test_it_serves_every_page_that_lists_or_shows_hostile_ids(hostile, who):
    client = as_user(getattr(hostile, who))
    for url in (
        reverse("interactions:conversation_list"),
        reverse("interactions:conversation_list") + "?q=ORD",
        reverse("interactions:conversation_list") + "?q=%2F",
        reverse("qa:results"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
    for n, conv_id in enumerate(HOSTILE_IDS):
        for url in (
            reverse("interactions:conversation_detail", args=[conv_id]),
            reverse("interactions:customer_detail", args=[f"U/{n}?#%.."]),
            reverse("qa:conversation", args=[conv_id]),
        ):
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            assert conv_id in response.content.decode() or "&" in conv_id or "#" in conv_id


@pytest.mark.django_db
def test_it_links_the_listed_ids_to_their_own_pages(hostile):
    client = as_user(hostile.mia)
    page = client.get(reverse("interactions:conversation_list")).content.decode()
    for conv_id in HOSTILE_IDS:
        url = reverse("interactions:conversation_detail", args=[conv_id])
        assert url.replace("&", "&amp;") in page
        # What a browser makes of the link: it never folds `..` or splits on `/`.
        assert "/../" not in url and not url.endswith("/./")


@pytest.mark.django_db
def test_it_serves_the_listen_page_and_its_websocket_path(hostile):
    from urllib.parse import unquote

    from django.utils.html import escape

    from kefu.monitoring.routing import websocket_urlpatterns

    listen_route = websocket_urlpatterns[1]
    client = as_user(hostile.mia)
    for conv_id in HOSTILE_IDS:
        url = reverse("monitoring:listen", args=[conv_id])
        response = client.get(url)
        assert response.status_code == 200, url
        assert f'data-ws="{escape("/ws" + url)}"' in response.content.decode()
        # The ASGI server hands the router the decoded path, as Django's does.
        match = listen_route.pattern.match(unquote("/ws" + url)[1:])
        assert match is not None and match[2]["external_id"] == conv_id


@pytest.mark.django_db
def test_it_routes_api_ids_with_slashes(hostile):
    from urllib.parse import quote

    client = as_user(hostile.mia)
    for n, conv_id in enumerate(HOSTILE_IDS):
        response = client.get(f"/api/v1/conversations/{quote(conv_id, safe='')}")
        assert response.status_code == 200, (conv_id, response.content)
        assert response.json()["id"] == conv_id
        customer = quote(f"U/{n}?#%..", safe="")
        assert client.get(f"/api/v1/customers/{customer}").status_code == 200
    posted = client.post(
        f"/api/v1/conversations/{quote('ORD/2024/001', safe='')}/messages",
        {"role": "customer", "text": "还在吗"},
        content_type="application/json",
    )
    assert posted.status_code in (201, 403), posted.content  # routed to the append, not 405
