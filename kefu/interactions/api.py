"""REST API v1: conversations and customers (mounted under /api/v1/ by kefu/api.py).

Every read starts from `kefu.accounts.access`; an object outside the caller's scope
is answered 404. Customer personal data is masked unless the caller has the
`view_personal_data` permission (then the access is audited). Writes go through
`kefu.interactions.actions`.
"""

from __future__ import annotations

import dataclasses
import zoneinfo
from datetime import datetime
from typing import Any

import orjson
from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from ninja.errors import HttpError, ValidationError

from kefu.accounts.access import (
    can_view_personal_data,
    conversations_visible_to,
    customers_visible_to,
)
from kefu.accounts.roles import INGEST
from kefu.audit.actions import record as audit
from kefu.audit.models import AuditAction
from kefu.interactions import actions
from kefu.interactions.core.native import conversation_to_native
from kefu.interactions.exporter import conversation_record, with_record_relations
from kefu.interactions.filtersets import ConversationFilterSet
from kefu.interactions.models import Conversation
from kefu.interactions.personal import PersonalDataView
from kefu.interactions.schemas import (
    MAX_PAGE_SIZE,
    AppendResultOut,
    ConversationFilters,
    ConversationPage,
    CustomerOut,
    IngestResultOut,
)
from kefu.interactions.scores import with_qa_score
from kefu.lib.localtime import configured_tz
from kefu.lib.schemas import ErrorOut, ErrorsOut, Text

router = Router(tags=["conversations"])

ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut}

SUMMARY_VALUES = (
    "external_id", "channel", "customer__external_id", "agent__external_id", "team__name",
    "created_at", "resolved_at", "closed_at", "status", "category1", "category2", "category3",
    "complaint", "escalated", "csat", "nps", "first_response_s", "message_count",
)  # fmt: skip


def _local(value: datetime | None, tz: zoneinfo.ZoneInfo) -> datetime | None:
    return value.astimezone(tz) if value is not None else None


def summaries(conversations: QuerySet[Conversation]) -> list[dict[str, Any]]:
    """Summary rows without loading (and decrypting) customers; times in the configured
    time zone, like the native format."""
    tz = configured_tz()
    return [
        {
            "id": row["external_id"],
            "channel": row["channel"],
            "customer": row["customer__external_id"],
            "agent": row["agent__external_id"],
            "team": row["team__name"],
            "created_at": _local(row["created_at"], tz),
            "resolved_at": _local(row["resolved_at"], tz),
            "closed_at": _local(row["closed_at"], tz),
            "status": row["status"],
            "category": [c for c in (row["category1"], row["category2"], row["category3"]) if c],
            "complaint": row["complaint"],
            "escalated": row["escalated"],
            "csat": row["csat"],
            "nps": row["nps"],
            "first_response_s": row["first_response_s"],
            "message_count": row["message_count"],
            "qa_score": row["qa_score"],
        }
        for row in with_qa_score(conversations).values(*SUMMARY_VALUES, "qa_score")
    ]


def json_body(request: HttpRequest) -> Any:
    """The decoded JSON body; 400 if not JSON. Over KEFU_MAX_REQUEST_BYTES it raises
    RequestDataTooBig, which the API answers 413 (kefu/api.py)."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if limit and not request.META.get("CONTENT_LENGTH") and not hasattr(request, "_body"):
        # A chunked body has no length for Django to check: read one byte past the limit.
        raw = request.read(limit + 1)
        if len(raw) > limit:
            raise RequestDataTooBig("request body exceeded DATA_UPLOAD_MAX_MEMORY_SIZE")
    else:
        raw = request.body
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise HttpError(400, _("invalid JSON: %(error)s") % {"error": exc}) from None


def as_list(body: Any) -> list[Any]:
    if isinstance(body, list):
        return body
    if isinstance(body, dict):
        return [body]
    raise HttpError(422, _("the body must be a JSON object or a list of objects"))


def _full_conversation(user, external_id: str) -> Conversation:
    if "\x00" in external_id:  # PostgreSQL refuses NUL in text: no such id
        raise Http404
    return get_object_or_404(
        with_record_relations(conversations_visible_to(user)), external_id=external_id
    )


def _native(conversation: Conversation, masked: bool) -> dict[str, Any]:
    return conversation_to_native(conversation_record(conversation, masked=masked), configured_tz())


def _audit_personal(request: HttpRequest, object_type: str, object_id: str) -> None:
    audit(
        AuditAction.VIEW_PERSONAL_DATA,
        request=request,
        object_type=object_type,
        object_id=object_id,
        detail={"via": "api"},
    )


NATIVE_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "oneOf": [
                        {"type": "object", "description": "one native conversation"},
                        {
                            "type": "array",
                            "items": {"type": "object"},
                            "maxItems": actions.MAX_BATCH,
                            "description": "a batch of native conversations",
                        },
                    ]
                },
                "example": {
                    "type": "conversation",
                    "id": "C2024-000123",
                    "channel": "chat",
                    "customer": {"id": "U88812", "name": "王芳", "phone": "13812345678"},
                    "agent": "A0007",
                    "created_at": "2024-05-02T10:15:03+08:00",
                    "messages": [
                        {
                            "id": "m1",
                            "role": "customer",
                            "at": "2024-05-02T10:15:03+08:00",
                            "text": "我的退款怎么还没到？",
                        }
                    ],
                },
            }
        },
    }
}

MESSAGE_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "oneOf": [
                        {"type": "object", "description": "one native message"},
                        {"type": "array", "items": {"type": "object"}},
                    ]
                },
                "example": {"role": "agent", "text": "您好，请问您的订单号是多少？"},
            }
        },
    }
}


@router.get("/conversations", response={200: ConversationPage, **ERRORS})
def list_conversations(request: HttpRequest, filters: Query[ConversationFilters]) -> dict[str, Any]:
    """Conversations the caller may see, newest first, filtered and paginated."""
    filterset = ConversationFilterSet(
        filters.filterset_data(), conversations_visible_to(request.user), user=request.user
    )
    if errors := filterset.api_errors():  # the schema refuses these first: a safety net
        raise ValidationError(
            [{"loc": ["query", name], "msg": "; ".join(m), "type": "value_error"}
             for name, m in errors.items()]
        )  # fmt: skip
    conversations = filterset.api_qs()
    limit = min(filters.limit, MAX_PAGE_SIZE)
    offset = filters.offset
    count = conversations.count()
    page = conversations.order_by("-created_at", "-pk")[offset : offset + limit]
    return {
        "count": count,
        "limit": limit,
        "offset": offset,
        "next_offset": offset + limit if offset + limit < count else None,
        "items": summaries(page),
    }


@router.post(
    "/conversations",
    response={200: IngestResultOut, 201: IngestResultOut,
              422: IngestResultOut | ErrorsOut | ErrorOut,
              400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 413: ErrorOut},
    openapi_extra=NATIVE_BODY,
)  # fmt: skip
def post_conversations(request: HttpRequest) -> Status:
    """Ingest one native conversation or a list of them (idempotent by id).

    201 when at least one conversation was created, 200 otherwise (updated or
    unchanged); 422 when every record was rejected. Rejected records are listed in
    `errors` with their index, id, field and reason; the others are imported.
    """
    if not request.user.has_perm(INGEST):
        raise HttpError(403, _("ingesting conversations needs the ingest permission"))
    objects = as_list(json_body(request))
    if not objects:
        raise HttpError(422, _("the list is empty"))
    result = actions.ingest_conversations(objects)
    report = result.report
    audit(
        AuditAction.IMPORT,
        request=request,
        object_type="api",
        object_id="conversations",
        detail=result.as_dict() | {"errors": len(result.errors)},
    )
    if report.rejected and report.rejected == report.read:
        status = 422
    elif report.created:
        status = 201
    else:
        status = 200
    return Status(status, result.as_dict())


@router.get("/conversations/{apiid:conversation_id}", response={200: dict[str, Any], **ERRORS})
def get_conversation(request: HttpRequest, conversation_id: str) -> dict[str, Any]:
    """One conversation in the native format (personal data masked unless permitted)."""
    conversation = _full_conversation(request.user, conversation_id)
    unmasked = can_view_personal_data(request.user)
    if unmasked:
        _audit_personal(request, "conversation", conversation.external_id)
    return _native(conversation, masked=not unmasked)


@router.post(
    "/conversations/{path:conversation_id}/messages",
    response={201: AppendResultOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut,
              404: ErrorOut, 409: ErrorsOut | ErrorOut, 413: ErrorOut, 422: ErrorsOut | ErrorOut},
    openapi_extra=MESSAGE_BODY,
)  # fmt: skip
def post_messages(request: HttpRequest, conversation_id: Text) -> Status:
    """Append one message (or a list) to a conversation that is not closed."""
    items = as_list(json_body(request))
    visible = conversations_visible_to(request.user)
    result = actions.append_messages(request.user, visible, conversation_id, items)
    facts = result.facts
    # The answer is built from the record just stored (no second read of the whole
    # conversation: this is the live path), masked like every API answer; only the new
    # messages are shown, so only they are masked.
    wanted = set(result.message_ids)
    new = dataclasses.replace(
        result.record, messages=[m for m in result.record.messages if m.id in wanted]
    )
    view = PersonalDataView(can_view_personal_data(request.user))
    messages = conversation_to_native(view.record(new), configured_tz())["messages"]
    body = {
        "conversation": result.record.id,
        "message_count": facts.message_count,
        "first_response_s": facts.first_response_s,
        "messages": messages,
    }
    return Status(201, body)


@router.get(
    "/customers/{path:customer_id}", response={200: CustomerOut, **ERRORS}, tags=["customers"]
)
def get_customer(request: HttpRequest, customer_id: Text) -> dict[str, Any]:
    """A customer's profile and their visible conversations across channels, oldest first
    (at most the latest 500; `conversation_count` is the total)."""
    customer = get_object_or_404(customers_visible_to(request.user), external_id=customer_id)
    unmasked = can_view_personal_data(request.user)
    if unmasked:
        _audit_personal(request, "customer", customer.external_id)
    view = PersonalDataView(unmasked)
    conversations = conversations_visible_to(request.user).filter(customer=customer)
    latest = conversations.order_by("-created_at", "-pk")[:MAX_PAGE_SIZE]
    return {
        "id": customer.external_id,
        "name": view.name(customer.name),
        "phone": view.phone(customer.phone),
        "email": view.email(customer.email),
        "segment": customer.segment,
        "masked": not unmasked,
        "conversation_count": conversations.count(),
        "conversations": list(reversed(summaries(latest))),
    }
