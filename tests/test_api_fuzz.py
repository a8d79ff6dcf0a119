"""API fuzzing: schemathesis against the project's own OpenAPI schema (issue 14).

Every operation is called with generated valid and invalid parameters and bodies, as a
manager and as an agent (bearer tokens), on a database with a few conversations. No
answer may be a 5xx, and every answer must be declared in the schema (status code,
content type, body shape). Examples are bounded so the whole file stays within about a
minute on a small machine.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from conftest import native_conversation
from kefu.api import api
from kefu.wsgi import application

schema = schemathesis.openapi.from_dict(api.get_openapi_schema(path_prefix="/api/"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """The WSGI handler closes database connections at each request's start and end;
    the test client stops that, a direct WSGI call does not. On PostgreSQL that would close
    the test's transaction (SQLite's in-memory database ignores the close)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def callers(personas, import_records) -> list[dict[str, str]]:
    """Authorization headers of a manager and of an agent, with a few conversations."""
    from kefu.accounts.models import ApiToken

    import_records(
        native_conversation(id="C-FUZZ-1"),
        native_conversation(id="C-FUZZ-2", agent="A0102"),
        native_conversation(id="C-FUZZ-3", channel="phone"),
    )
    headers = []
    for user in (personas.mia, personas.alice):
        _, raw = ApiToken.issue(user, "fuzz")
        headers.append({"Authorization": f"Bearer {raw}"})
    return headers


@schema.parametrize()
@settings(
    max_examples=30,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_it_never_answers_5xx_and_answers_as_declared(case, callers) -> None:
    for headers in callers:
        response = case.call(app=application, headers=headers)
        case.validate_response(response, checks=CHECKS, headers=headers)
