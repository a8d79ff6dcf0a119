"""Who gets what: every page and API read × every role → expected HTTP status, one table.

(Writes through the API are checked per role in test_api.py.)

302 = sent to the log-in page (anonymous), 403 = role lacks the permission,
404 = the object is outside the user's scope (its existence is not revealed).
A None cell is not asserted (the page belongs to another part of the project).
"""

from __future__ import annotations

import pytest
from django.test import Client

from conftest import native_conversation

ROLES = ["anonymous", "alice", "bob", "sam", "quinn", "tina", "mia", "adam", "olga"]

# Defaults per kind of page, then the cells that differ.
EVERYONE = dict.fromkeys(ROLES, 200) | {"anonymous": 302}
ALICE_OBJECT = EVERYONE | {"bob": 404, "olga": 404}  # alice's team: alice, sam, all-seeing roles
BOB_OBJECT = EVERYONE | {"alice": 404, "sam": 404, "olga": 404}
ADMIN_ONLY = dict.fromkeys(ROLES, 403) | {"anonymous": 302, "adam": 200}
IMPORTERS = dict.fromkeys(ROLES, 403) | {"anonymous": 302, "mia": 200, "adam": 200}
EXPORTERS = IMPORTERS | {"quinn": 200}
API = {"anonymous": 401}  # the API answers 401, it does not redirect to a log-in page

MATRIX: dict[str, dict[str, int | None]] = {
    "/": dict.fromkeys(ROLES, 302),  # home redirects to the list (or to log in)
    "/accounts/login/": dict.fromkeys(ROLES, 200),
    "/conversations/": EVERYONE,
    "/conversations/?channel=chat&q=退款&complaint=yes": EVERYONE,
    "/conversations/M-ALICE/": ALICE_OBJECT,
    "/conversations/M-BOB/": BOB_OBJECT,
    "/conversations/M-NONE/": EVERYONE | dict.fromkeys(ROLES[1:], 404),
    "/customers/U-M-ALICE/": ALICE_OBJECT,
    "/customers/U-M-BOB/": BOB_OBJECT,
    "/customers/U-M-NONE/": EVERYONE | dict.fromkeys(ROLES[1:], 404),
    "/audit/": ADMIN_ONLY,
    "/audit/?action=view_personal_data": ADMIN_ONLY,
    "/imports/": IMPORTERS,
    "/export/": EXPORTERS,
    "/api/docs": EVERYONE,
    "/api/openapi.json": EVERYONE | API,
    "/api/v1/me": EVERYONE | API,
    "/api/v1/conversations": EVERYONE | API,
    "/api/v1/conversations?q=退款&channel=chat": EVERYONE | API,
    "/api/v1/conversations/M-ALICE": ALICE_OBJECT | API,
    "/api/v1/conversations/M-BOB": BOB_OBJECT | API,
    "/api/v1/customers/U-M-ALICE": ALICE_OBJECT | API,
    "/api/v1/customers/U-M-BOB": BOB_OBJECT | API,
    "/api/v1/agents": EVERYONE | API,
    "/api/v1/teams": EVERYONE | API,
}

CASES = [
    pytest.param(url, role, status, id=f"{role}:{url}")
    for url, expected in MATRIX.items()
    for role, status in expected.items()
    if status is not None
]


@pytest.fixture
def population(personas, import_records):
    report = import_records(
        native_conversation(id="M-ALICE", agent="A0007", customer={"id": "U-M-ALICE"}),
        native_conversation(id="M-BOB", agent="A0102", customer={"id": "U-M-BOB"}),
    )
    assert report.rejected == 0, report.errors
    return personas


def test_matrix_covers_every_role():
    assert all(set(row) == set(ROLES) for row in MATRIX.values())


@pytest.mark.parametrize(("url", "role", "status"), CASES)
def test_access(population, url, role, status):
    client = Client()
    if role != "anonymous":
        client.force_login(getattr(population, role))
    response = client.get(url)
    assert response.status_code == status
    if status == 302 and role == "anonymous" and url != "/":
        assert response["Location"].startswith("/accounts/login/")
