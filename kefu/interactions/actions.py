"""Writes behind the REST API: ingest native conversations, append messages.

Both validate with the pure core (`core.native`) and write through the `Importer`, so
facts (first response, counts), the search index and the content hash stay exactly as
a file import would leave them, and re-sending the same data changes nothing.
Endpoints stay thin: they parse the body, call one function here and map the result
(or the `ActionError`) to a response.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import BooleanField, Case, QuerySet, Value, When
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext, gettext_noop

from kefu.accounts import access
from kefu.accounts.access import own_agent_id
from kefu.accounts.models import Agent
from kefu.accounts.roles import INGEST
from kefu.interactions.core.facts import ConversationFacts, conversation_facts
from kefu.interactions.core.native import (
    AgentRecord,
    ConversationRecord,
    RecordError,
    conversation_to_native,
    oversize_error,
    parse_object,
    record_error,
    record_size,
    time_key,
)
from kefu.interactions.exporter import conversation_record, with_record_relations
from kefu.interactions.filtersets import ConversationFilterSet
from kefu.interactions.importer import (
    Importer,
    ImportReport,
    import_limits,
    reason_text,
)
from kefu.interactions.models import Conversation, SavedView
from kefu.interactions.stored import stored_records
from kefu.lib.errors import Conflict, Invalid, NotAllowed, NotFound
from kefu.lib.localtime import configured_tz

MAX_BATCH = 1000
LIVE_BATCH = 10  # API writes this small are live traffic (kefu.interactions.importer)
MAX_APPEND = 500


def _error_dict(index: int | None, record_id: str | None, field_name: str, reason: str) -> dict:
    return {"index": index, "id": record_id, "field": field_name, "reason": reason}


# --- ingest ------------------------------------------------------------------------


@dataclass
class IngestResult:
    report: ImportReport
    errors: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        r = self.report
        return {
            "read": r.read,
            "created": r.created,
            "updated": r.updated,
            "unchanged": r.unchanged,
            "rejected": r.rejected,
            "errors": self.errors,
        }


def ingest_conversations(objects: Sequence[Any]) -> IngestResult:
    """Validate and import native conversation objects; bad ones are reported, not raised.

    `type` may be omitted (it defaults to "conversation"); agent records are refused
    here (they come with file imports). Idempotent by conversation id. The valid
    records are written in one transaction.
    """
    if len(objects) > MAX_BATCH:
        raise Invalid(f"at most {MAX_BATCH} conversations per request, got {len(objects)}")
    tz = configured_tz()
    with transaction.atomic():
        importer = Importer(live=len(objects) <= LIVE_BATCH)
        limits = importer.limits
        for index, obj in enumerate(objects):
            if isinstance(obj, dict) and "type" not in obj:
                obj = {"type": "conversation", **obj}
            size = record_size(obj)
            if size is None:
                parsed = record_error(
                    index,
                    None,
                    "record",
                    gettext_noop("cannot be stored as JSON (nested too deeply?)"),
                )
            elif size > limits.record_bytes:
                parsed = oversize_error(index, size, limits)
            else:
                parsed = parse_object(obj, tz, index, limits)
            if isinstance(parsed, AgentRecord):
                parsed = record_error(
                    index, parsed.id, "type",
                    gettext_noop("must be conversation (agents are imported as files)"),
                )  # fmt: skip
            importer.feed(parsed)
        report = importer.finish()
    errors = [_error_dict(e.line, e.record_id, e.field, reason_text(e)) for e in report.errors]
    return IngestResult(report=report, errors=errors)


# --- append messages ---------------------------------------------------------------

_MESSAGE_FIELD = re.compile(r"^messages\[(\d+)\](.*)$")


@dataclass
class AppendResult:
    record: ConversationRecord  # the whole conversation as stored, unmasked
    message_ids: list[str]

    @property
    def facts(self) -> ConversationFacts:
        """The stored conversation's facts (the importer wrote these very values)."""
        return conversation_facts(self.record)


def _free_message_id(taken: set[str]) -> str:
    n = len(taken) + 1
    while f"m{n}" in taken:
        n += 1
    return f"m{n}"


def append_messages(
    user, conversations: QuerySet[Conversation], external_id: str, items: Sequence[Any]
) -> AppendResult:
    """Append messages to the conversation `external_id`, which must be among
    `conversations` (the caller's scoping) and not closed.

    Ingesting systems (the ingest permission) may add any message; an agent only their own
    replies (role `agent`) to their own conversations. Raises NotFound (404), NotAllowed
    (403), Conflict (409: closed, or a message id already used) or Invalid (422, with
    per-message errors).
    """
    if not items:
        raise Invalid("no message to append")
    if len(items) > MAX_APPEND:
        raise Invalid(f"at most {MAX_APPEND} messages per request, got {len(items)}")
    may_ingest = user.has_perm(INGEST)
    own_agent_pk = None if may_ingest else own_agent_id(user)
    # Who may add messages is the access layer's CHANGE rule for conversations.
    may_change = access.condition_for(Conversation, user, access.CHANGE)
    tz = configured_tz()
    with transaction.atomic():
        # The scoping check, the change check and the lock on the conversation in one query.
        row = (
            conversations.select_for_update(of=("self",))
            .filter(external_id=external_id)
            .annotate(
                may_change=Value(True)
                if may_change is access.ALL
                else Case(When(may_change, then=True), default=False, output_field=BooleanField())
            )
            .values_list("pk", "status", "content_hash", "may_change")
            .first()
        )
        if row is None:
            raise NotFound(f"no conversation {external_id}")
        pk, status, digest, allowed = row
        if not allowed:
            raise NotAllowed(
                "only the conversation's agent or an ingesting system may add messages"
            )
        if status == "closed":
            raise Conflict(f"conversation {external_id} is closed")
        stored = stored_records.get(pk, digest)
        if stored is None:
            conv = with_record_relations(Conversation.objects).get(pk=pk)
            stored = conversation_record(conv, masked=False)
        own_external_id = None
        if not may_ingest:
            own = Agent.objects.filter(pk=own_agent_pk)
            own_external_id = own.values_list("external_id", flat=True).first()
        native = conversation_to_native(stored, tz)
        existing_ids = {m["id"] for m in native["messages"]}
        taken = set(existing_ids)
        now = timezone.now().astimezone(tz).isoformat()
        new_messages: list[dict[str, Any]] = []
        request_index: dict[str, int] = {}  # message id → its index in the request
        errors: list[dict[str, Any]] = []
        conflicts: list[dict[str, Any]] = []
        for index, item in enumerate(items):
            if not isinstance(item, dict):
                reason = gettext("must be an object, got {type}").format(type=type(item).__name__)
                errors.append(_error_dict(index, None, "message", reason))
                continue
            message = dict(item)
            message_id = message.get("id")
            if not may_ingest:
                if message.get("role") is None:
                    message["role"] = "agent"
                if message.get("agent") is None:
                    message["agent"] = own_external_id
                if message["role"] != "agent" or message["agent"] != own_external_id:
                    raise NotAllowed("agents may only add their own replies (role agent)")
            if message.get("at") is None:
                message["at"] = now
            if message_id is None:
                message["id"] = message_id = _free_message_id(taken)
            elif not isinstance(message_id, str):
                errors.append(_error_dict(index, None, "id", gettext("must be a string")))
                continue
            elif message_id in existing_ids:
                conflicts.append(
                    _error_dict(
                        index, message_id, "id", gettext("a message with this id already exists")
                    )
                )
                continue
            elif message_id in taken:
                errors.append(
                    _error_dict(index, message_id, "id", gettext("is repeated in the request"))
                )
                continue
            taken.add(message_id)
            request_index[message_id] = index
            new_messages.append(message)
        if conflicts:
            raise Conflict("message id already used in this conversation", conflicts)
        if errors:
            raise Invalid("invalid message", errors)

        stored_ids = [m["id"] for m in native["messages"]]
        first_new = len(stored_ids)
        native["messages"] = [*native["messages"], *new_messages]
        parsed = parse_object(native, tz, 0, import_limits())
        if isinstance(parsed, RecordError):
            raise Invalid("invalid message", [_relative_error(parsed, first_new, new_messages)])
        late = _earlier_than_stored(parsed, set(request_index), tz)
        if late:
            raise Invalid(
                "invalid message",
                [_error_dict(request_index[m], m, "at", reason) for m, reason in late],
            )
        # parse_object put the messages in time order; the new ones, never earlier than a
        # stored one, come last. The stored messages are kept as they are and only the new
        # ones written — unless the stored ones were not in time order (stored before
        # Kefu sorted them): then all are written again, in time order.
        in_order = [m.id for m in parsed.messages[:first_new]] == stored_ids
        importer = Importer(live=True)
        importer.feed(parsed, kept_messages=first_new if in_order else 0)
        importer.finish()
    return AppendResult(record=parsed, message_ids=[m["id"] for m in new_messages])


def _earlier_than_stored(
    record: ConversationRecord, new_ids: set[str], tz
) -> list[tuple[str, str]]:
    """(id, reason) of each new message of `record` timed before its last stored one.

    An append adds to the end: the stored messages, their place (`seq`) and what was
    evaluated on them as they arrived (live alerts) stay as they are. A message that
    belongs earlier is refused with this reason; sending the whole conversation
    (POST /api/v1/conversations) re-imports it in time order."""
    key = time_key(record.channel, record.created_at)
    stored = [m for m in record.messages if m.id not in new_ids]
    if not stored:
        return []
    last = max(stored, key=key)
    reason = gettext(
        "is before the conversation's last message ({id}, {at}): messages are appended "
        "in time order; to add an earlier one, send the whole conversation to "
        "POST /api/v1/conversations"
    ).format(id=last.id, at=last.at.astimezone(tz).isoformat())
    return [(m.id, reason) for m in record.messages if m.id in new_ids and key(m) < key(last)]


def _relative_error(error: RecordError, first_new: int, new_messages: list[dict]) -> dict:
    """Name the posted message (its index in the request) rather than the whole record."""
    match = _MESSAGE_FIELD.match(error.field)
    if match and int(match.group(1)) >= first_new:
        index = int(match.group(1)) - first_new
        rest = match.group(2).lstrip(".") or "message"
        return _error_dict(index, new_messages[index].get("id"), rest, reason_text(error))
    return _error_dict(None, error.record_id, error.field, reason_text(error))


# --- saved views of the conversation list ------------------------------------------
MAX_VIEW_NAME = 60
MAX_VIEW_VALUE = 200


def view_query(params: Any) -> str:
    """The list's query string with its known filters only (no page position, nothing
    unknown, no empty value), in the FilterSet's order."""
    pairs = []
    for name in ConversationFilterSet.base_filters:
        value = params.get(name)
        if isinstance(value, str) and value.strip() and len(value) <= MAX_VIEW_VALUE:
            pairs.append((name, value.strip()))
    return urlencode(pairs)


@transaction.atomic
def save_view(user, name: str, params: Any) -> SavedView:
    """Save (or, under a name the user already has, replace) a view of the list."""
    if not user.is_authenticated or not user.is_active:
        raise NotAllowed("you may not do this")
    name = " ".join((name or "").split())
    if not 1 <= len(name) <= MAX_VIEW_NAME:
        raise Invalid("a view's name has 1 to 60 characters")
    query = view_query(params)
    mine = SavedView.objects.select_for_update().filter(user=user)
    existing = mine.filter(name=name).first()
    if existing is not None:
        existing.query = query
        existing.save(update_fields=["query", "updated_at"])
        return existing
    if mine.count() >= SavedView.MAX_PER_USER:
        raise Conflict("you have 30 saved views already; delete one first")
    return SavedView.objects.create(user=user, name=name, query=query)


def delete_view(view: SavedView, *, user) -> None:
    if view.user_id != user.pk:
        raise NotFound("no such view")
    view.delete()
