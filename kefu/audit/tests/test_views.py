"""The audit log page: administrators only, filters, paging."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from django.test import Client

from conftest import SHANGHAI
from kefu.audit.actions import record
from kefu.audit.models import AuditAction, AuditLog

URL = "/audit/"


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def rows(response) -> list[str]:
    """The object ids shown, in order."""
    return re.findall(r'<span class="mono">([^<]*)</span>', response.content.decode())


@pytest.fixture
def entries(personas):
    start = datetime(2024, 5, 1, 9, 0, tzinfo=SHANGHAI)
    made = []
    for i in range(7):
        entry = record(
            AuditAction.VIEW_PERSONAL_DATA if i % 2 else AuditAction.EXPORT,
            user=personas.mia if i < 5 else personas.adam,
            object_type="conversation",
            object_id=f"C{i}",
            detail={"n": i},
        )
        made.append(entry)
    # Spread over days (local time); two share a timestamp to exercise the tie-break.
    for i, entry in enumerate(made):
        entry.at = start + timedelta(days=min(i, 5))
        entry.save(update_fields=["at"])
    return personas


def test_anonymous_goes_to_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("name", ["alice", "sam", "quinn", "tina", "mia", "olga"])
def test_only_administrators_may_read_it(personas, name):
    response = as_user(getattr(personas, name)).get(URL)
    assert response.status_code == 403
    assert "无权访问" in response.content.decode()


def test_403_page_in_english(personas):
    client = as_user(personas.mia)
    client.cookies["django_language"] = "en"
    assert "Access denied" in client.get(URL).content.decode()


def test_admin_sees_entries_newest_first(entries):
    response = as_user(entries.adam).get(URL)
    html = response.content.decode()
    assert response.status_code == 200
    assert rows(response)[0] == "C6"
    assert set(rows(response)) == {f"C{i}" for i in range(7)}
    assert "查看个人信息" in html and "导出数据" in html
    assert "mia" in html


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"action": "export"}, {"C0", "C2", "C4", "C6"}),
        ({"action": "view_personal_data"}, {"C1", "C3", "C5"}),
        ({"user": "ada"}, {"C5", "C6"}),
        ({"object_id": "C3"}, {"C3"}),
        ({"date_from": "2024-05-03", "date_to": "2024-05-04"}, {"C2", "C3"}),
        ({"date_from": "2024-05-06"}, {"C5", "C6"}),
        ({"action": "login"}, set()),
    ],
)
def test_filters(entries, params, expected):
    assert set(rows(as_user(entries.adam).get(URL, params))) == expected


def test_paging(entries, settings):
    settings.KEFU_PAGE_SIZE = 3
    client = as_user(entries.adam)
    seen = []
    response = client.get(URL)
    while True:
        seen += rows(response)
        match = re.search(r'rel="next" href="([^"]+)"', response.content.decode())
        if not match:
            break
        response = client.get(URL + match.group(1).replace("&amp;", "&"))
    # adam's own log-in is audited too; it has no object id, so rows() does not list it
    entries_made = AuditLog.objects.exclude(action=AuditAction.LOGIN).order_by("-at", "-pk")
    assert seen == list(entries_made.values_list("object_id", flat=True))
    assert len(seen) == 7
