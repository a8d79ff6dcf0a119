"""The REST API root (django-ninja): /api/v1/…, OpenAPI at /api/openapi.json, docs at /api/docs.

Every v1 endpoint needs a bearer token or a logged-in session (kefu.accounts.auth); so do
the docs (anonymous: to the log-in page) and the schema (anonymous: 401).
Error bodies are always `{"detail": "…"}`, plus `"errors": [{index, id, field, reason}]`
when individual records or fields are at fault. See docs/api.md.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Router
from ninja.errors import AuthenticationError, ValidationError
from ninja.openapi.views import openapi_json
from pydantic import TypeAdapter

from kefu.accounts.api import router as accounts_router
from kefu.accounts.auth import api_auth, token_auth
from kefu.assignment.api import router as routing_router
from kefu.customers.api import router as customers_router
from kefu.improvement.api import router as improvement_router
from kefu.improvement.api_analysis import router as improvement_analysis_router
from kefu.interactions.api import router as interactions_router
from kefu.knowledge.api import router as knowledge_router
from kefu.lib.errors import ActionError
from kefu.lib.schemas import ErrorOut, ErrorsOut, reason
from kefu.metrics.api import router as metrics_router
from kefu.metrics.api_sla import router as sla_router
from kefu.monitoring.api import router as live_router
from kefu.notifications.api import router as notifications_router
from kefu.performance.api import router as performance_router
from kefu.qa.api import router as qa_router
from kefu.reviews.api import router as reviews_router
from kefu.training.api import router as training_router
from kefu.workforce.api import router as workforce_router


def docs_login_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The docs page and the schema only for a logged-in user or a valid bearer token."""
    is_schema = getattr(view, "func", None) is openapi_json

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = getattr(request, "user", None)
        if (user is None or not user.is_authenticated) and token_auth(request) is None:
            if is_schema:
                return JsonResponse({"detail": "Unauthorized"}, status=401)
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapped


def body_limit_text() -> str:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if not limit:
        return "Request bodies are not limited in size."
    return (
        f"Request bodies are limited to {limit:,} bytes ({limit / 1024 / 1024:g} MiB, "
        "`KEFU_MAX_REQUEST_BYTES`); a larger one is answered 413."
    )


REF = "#/components/schemas/{model}"


def _ref(model: type, components: dict[str, Any]) -> dict[str, str]:
    """A reference to `model`'s schema, added to the components (with its parts)."""
    schema = TypeAdapter(model).json_schema(ref_template=REF)
    components.update(schema.pop("$defs", {}))
    components.setdefault(model.__name__, schema)
    return {"$ref": REF.format(model=model.__name__)}


def _answer(description: str, ref: dict[str, str]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": ref}}}


class KefuAPI(NinjaAPI):
    """Declares, in one place, the error answers any operation can give: 401 without
    credentials, 422 for a parameter or body that fails validation, 404 for an id in the
    path that is not (visible) there, 400 / 413 for an unreadable or too large body."""

    def get_openapi_schema(self, **kwargs: Any) -> Any:
        schema = super().get_openapi_schema(**kwargs)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        error, errors = _ref(ErrorOut, components), _ref(ErrorsOut, components)
        for operations in schema["paths"].values():
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                params = operation.get("parameters", [])
                has_body = "requestBody" in operation
                responses.setdefault(401, _answer("Unauthorized", error))
                # A NUL anywhere in the URL (kefu.middleware.RejectNulMiddleware), or a body
                # that is not JSON.
                responses.setdefault(400, _answer("Unreadable request", error))
                if params or has_body:
                    responses.setdefault(422, _answer("Invalid parameter or body", errors))
                if any(p.get("in") == "path" for p in params):
                    responses.setdefault(404, _answer("Not found", error))
                if has_body:
                    responses.setdefault(413, _answer("Body too large", error))
        return schema


api = KefuAPI(
    title="Kefu API",
    version="1",
    description="Conversations, customers, agents and teams of a Kefu installation. "
    "Authenticate with `Authorization: Bearer kefu_…` (see `kefu issue_token`) or the "
    "web session (with the CSRF token for writes). " + body_limit_text(),
    urls_namespace="api",
    docs_url="/docs",
    docs_decorator=docs_login_required,
    auth=api_auth,
)


@api.exception_handler(ActionError)
def action_error(request: HttpRequest, exc: ActionError) -> HttpResponse:
    body: dict = {"detail": exc.detail}
    if exc.errors:
        body["errors"] = exc.errors
    return api.create_response(request, body, status=exc.status)


@api.exception_handler(RequestDataTooBig)
def body_too_large(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    # Every endpoint's body, read by ninja or by json_body, ends here (not Django's bare 400).
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    detail = _(
        "request body too large: the limit is %(limit)s bytes (KEFU_MAX_REQUEST_BYTES); "
        "send smaller batches"
    ) % {"limit": limit}
    return api.create_response(request, {"detail": detail}, status=413)


@api.exception_handler(AuthenticationError)
def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(request, {"detail": _("Unauthorized")}, status=401)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, {"detail": _("Not Found")}, status=404)


@api.exception_handler(ValidationError)
def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = [
        {
            "index": None,
            "id": None,
            "field": ".".join(str(part) for part in e.get("loc", ())),
            "reason": reason(e),
        }
        for e in exc.errors
    ]
    body = {"detail": _("invalid request"), "errors": errors}
    return api.create_response(request, body, status=422)


v1 = Router()
v1.add_router("", accounts_router)
# before interactions: /customers/{id}/risk and …/tags must not be read as customer ids
v1.add_router("", customers_router)
v1.add_router("", interactions_router)
v1.add_router("", metrics_router)
v1.add_router("", sla_router)
v1.add_router("", live_router)
v1.add_router("", qa_router)
v1.add_router("", reviews_router)
v1.add_router("", notifications_router)
v1.add_router("", workforce_router)
v1.add_router("", training_router)
v1.add_router("", performance_router)
v1.add_router("", routing_router)
v1.add_router("", improvement_router)
v1.add_router("", improvement_analysis_router)
v1.add_router("", knowledge_router)
api.add_router("/v1/", v1)
