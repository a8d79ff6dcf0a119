"""Every page without a path argument, asked with hostile query parameters by a manager and an
agent: 4xx or a page, never a server error. The parameter names are every name a page reads
(a superset; a page ignores names it does not know)."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from conftest import native_conversation

NAMES = [
    "from", "to", "date_from", "date_to", "month", "period", "year", "quarter", "day", "week",
    "start", "end", "team", "agent", "channel", "status", "category", "q", "page", "offset",
    "limit", "cursor", "before", "after", "by", "plan", "rule", "indicator", "scorecard",
    "interval", "reviewer", "kind", "action", "user", "severity", "type", "segment", "complaint",
    "escalated", "level", "tier", "compare", "benchmark", "run", "id", "item", "session",
]  # fmt: skip
VALUES = [
    "9223372036854775808",
    "-1",
    "²",
    "0001-01-01",
    "9999-12-31",
    "1e999",
    "\x00",
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "长" * 3000,
]
# Fields of the forms and POST handlers (request.POST keys and form fields).
FORM_NAMES = [
    "add_to_scorecard", "alert", "back", "coaching", "comment", "definition", "mode", "name",
    "next", "note", "points", "rescore", "section", "template", "text", "timer", "applies",
    "band", "channels", "conversation", "conversations", "days_off", "decision", "due", "fatal",
    "file_format", "include_agents", "key", "object_id", "on", "outcome", "reason", "scenario",
    "shopper", "skills", "split", "teams", "templates", "title", "value",
]  # fmt: skip
SKIP_PREFIXES = ("/admin/", "/api/", "/accounts/logout/", "/i18n/")


def _plain_routes(resolver: URLResolver | None = None, prefix: str = "/") -> list[str]:
    """The URLs of every pattern that takes no argument."""
    routes = []
    for entry in (resolver or get_resolver()).url_patterns:
        route = str(entry.pattern)
        if "<" in route or "(?P" in route or route.startswith("^"):
            continue
        if isinstance(entry, URLResolver):
            routes += _plain_routes(entry, prefix + route)
        elif isinstance(entry, URLPattern):
            routes.append(prefix + route)
    return sorted({r for r in routes if not r.startswith(SKIP_PREFIXES)})


@pytest.fixture
def population(personas, import_records):
    report = import_records(
        native_conversation(id="H-ALICE", agent="A0007"),
        native_conversation(id="H-BOB", agent="A0102"),
    )
    assert report.rejected == 0
    return personas


def _routes_with_arguments(resolver: URLResolver | None = None, prefix: str = "/") -> list[str]:
    """Every pattern that takes arguments, as a route string (`x/<int:pk>/`)."""
    routes = []
    for entry in (resolver or get_resolver()).url_patterns:
        route = str(entry.pattern)
        if route.startswith("^") or "(?P" in route:
            continue
        if isinstance(entry, URLResolver):
            routes += _routes_with_arguments(entry, prefix + route)
        elif "<" in prefix + route:
            routes.append(prefix + route)
    return sorted({r for r in routes if not r.startswith(SKIP_PREFIXES)})


HOSTILE_ARGUMENTS = {
    "int": ["9223372036854775808", "0", "99999999999999999999999999"],
    "str": ["%00", "..", "%E9%95%BF" * 200, "a%2Fb", "9223372036854775808"],
    "path": ["%00", "../..", "a/b/c"],
}


def _fill(route: str, kind_value: dict[str, str]) -> str:
    import re

    return re.sub(r"<(?:(\w+):)?\w+>", lambda m: kind_value.get(m.group(1) or "str", "x"), route)


@pytest.mark.parametrize("role", ["mia", "alice"])
def test_no_page_with_arguments_fails_on_hostile_ones(population, role):
    client = Client(raise_request_exception=False)
    client.force_login(getattr(population, role))
    failures = []
    for route in _routes_with_arguments():
        for i in range(3):
            values = {
                kind: options[i % len(options)] for kind, options in HOSTILE_ARGUMENTS.items()
            }
            url = _fill(route, values)
            for method in (client.get, client.post):
                response = method(url)
                if response.status_code >= 500:
                    failures.append((method.__name__, url[:60], response.status_code))
    assert failures == []


def test_it_finds_the_pages():
    routes = _plain_routes()
    assert "/conversations/" in routes and "/metrics/" in routes and len(routes) > 20


@pytest.mark.parametrize("role", ["mia", "alice"])
def test_no_page_fails_on_hostile_parameters(population, role):
    client = Client(raise_request_exception=False)
    client.force_login(getattr(population, role))
    failures = []
    for route in _plain_routes():
        for value in VALUES:
            query = urlencode(dict.fromkeys(NAMES, value))
            response = client.get(f"{route}?{query}")
            if response.status_code >= 500:
                failures.append((route, value[:20], response.status_code))
    assert failures == []


@pytest.mark.parametrize("role", ["mia", "alice", "quinn"])
def test_no_form_fails_on_hostile_posts(population, role):
    client = Client(raise_request_exception=False)
    client.force_login(getattr(population, role))
    failures = []
    for route in _plain_routes():
        if route.startswith("/accounts/"):
            continue
        for value in VALUES:
            response = client.post(route, dict.fromkeys(NAMES + FORM_NAMES, value))
            if response.status_code >= 500:
                failures.append((route, value[:20], response.status_code))
    assert failures == []


def test_it_refuses_a_nul_character_anywhere_with_400(population):
    # PostgreSQL cannot store or compare text with NUL: refused before any view runs
    client = Client()
    client.force_login(population.mia)
    assert client.get("/conversations/?q=a%00b").status_code == 400
    assert client.post("/live/templates/", {"text": "a\x00b"}).status_code == 400
    assert client.get("/workforce/parameters/%00/").status_code == 400
    api = client.get("/api/v1/conversations?q=%00")
    assert api.status_code == 400 and "detail" in api.json()
    assert client.get("/conversations/?q=ok").status_code == 200
