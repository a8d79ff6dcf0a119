"""Bulk, streaming, idempotent import of native records into the database.

The pure core (core.native) validates; this module writes in batches:
customers → agents → conversations → messages/transfers/escalations → search index.
A record whose normalised content is unchanged (same content hash) is skipped, so
importing the same file twice changes nothing.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from decimal import Decimal
from pathlib import Path
from typing import IO

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext

from kefu.accounts.models import Agent, Team
from kefu.bulk import datetime_adapter, fast_bulk_insert, fast_bulk_update, insert_rows, json_text
from kefu.interactions import search
from kefu.interactions.core import csvformat
from kefu.interactions.core.encoding import (
    BROKEN_CSV,
    SNIFF_BYTES,
    FileRejected,
    detect_encoding,
)
from kefu.interactions.core.facts import conversation_facts
from kefu.interactions.core.native import (
    AgentRecord,
    ConversationRecord,
    CustomerRecord,
    Limits,
    Record,
    RecordError,
    content_hash,
    iter_jsonl,
    iter_lines,
    parse_object,
)
from kefu.interactions.core.text import search_document
from kefu.interactions.models import Conversation, Customer, Escalation, Message, Transfer
from kefu.interactions.personal import Sealer, personal_digest, phone_digest
from kefu.interactions.signals import conversations_written, import_finished
from kefu.interactions.stored import stored_records
from kefu.lib.localtime import configured_tz

MAX_KEPT_ERRORS = 10_000
SQLITE_IMPORT_CHECKPOINT_PAGES = 20_000
MESSAGE_COLUMNS = (
    "conversation_id", "seq", "external_id", "role", "agent_id", "at", "text", "start_s", "end_s",
    "extra",
)  # fmt: skip


@dataclass
class ImportReport:
    read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    agents_created: int = 0
    agents_updated: int = 0
    errors: list[RecordError] = field(default_factory=list)
    conversation_ids: list[int] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "read": self.read,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "errors": [e.as_dict() for e in self.errors],
        }

    def summary(self) -> str:
        return (
            f"read {self.read}, created {self.created}, updated {self.updated}, "
            f"unchanged {self.unchanged}, rejected {self.rejected}"
        )


class Importer:
    """Feed records (or errors) one at a time; writes happen per batch."""

    def __init__(
        self,
        *,
        batch_size: int | None = None,
        on_batch: Callable[[ImportReport], None] | None = None,
        keep_ids: bool = False,
        live: bool = False,
    ) -> None:
        self.batch_size = batch_size or settings.KEFU_IMPORT_BATCH_SIZE
        self.on_batch = on_batch
        self.keep_ids = keep_ids
        # A live write (a message, a few conversations over the API): no planner upkeep
        # at the end, and listeners may defer their background work (import_finished).
        self.live = live
        # conversation id → how many of its first messages are stored unchanged (appends)
        self._kept_messages: dict[str, int] = {}
        self.report = ImportReport()
        self.limits = import_limits()
        self._pending: dict[str, ConversationRecord] = {}
        # external id → (pk, team pk). A bulk import reads all agents once; a live write
        # looks up only the few its record names (_ensure_agents).
        self._agents: dict[str, tuple[int, int | None]] = (
            {}
            if live
            else {
                ext: (pk, team_id)
                for ext, pk, team_id in Agent.objects.values_list("external_id", "pk", "team_id")
            }
        )
        self._teams: dict[str, int] | None = None  # name → pk, read when an agent record needs it
        self._supervisor_links: dict[str, str] = {}
        if connection.vendor == "sqlite" and not live:
            # Checkpoint the WAL every ~80 MB instead of every 4 MB: a bulk import
            # otherwise spends a third of its time copying pages back at each commit.
            # (Not for live writes: an 80 MB checkpoint would stall a live message.)
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA wal_autocheckpoint={SQLITE_IMPORT_CHECKPOINT_PAGES}")

    # --- feeding ---------------------------------------------------------------
    def feed(self, item: Record | RecordError, *, kept_messages: int = 0) -> None:
        """Import a record. `kept_messages` makes it an append: the stored conversation is
        this record without its messages after the first `kept_messages` (same customer,
        transfers and escalations), so only those messages and the facts are written."""
        self.report.read += 1
        if kept_messages and isinstance(item, ConversationRecord):
            self._kept_messages[item.id] = kept_messages
        if isinstance(item, RecordError):
            self._reject(item)
        elif isinstance(item, AgentRecord):
            self._upsert_agent(item)
        else:
            if item.id in self._pending:
                self.flush()  # a second copy of a record in one batch: write the first, then update
            self._pending[item.id] = item
            if len(self._pending) >= self.batch_size:
                self.flush()

    def feed_all(self, items: Iterable[Record | RecordError]) -> ImportReport:
        for item in items:
            self.feed(item)
        return self.finish()

    def finish(self) -> ImportReport:
        self.flush()
        self._link_supervisors()
        import_finished.send(Importer, live=self.live)
        if connection.vendor == "sqlite" and not self.live:
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA wal_autocheckpoint=1000")  # SQLite's default
                # Refresh the planner's statistics where the import changed them a lot,
                # so it knows e.g. that one scene covers half of all conversations.
                cursor.execute("PRAGMA analysis_limit=1000")  # bounded: milliseconds
                cursor.execute("PRAGMA optimize")
        return self.report

    def _reject(self, error: RecordError) -> None:
        self.report.rejected += 1
        if len(self.report.errors) < MAX_KEPT_ERRORS:
            self.report.errors.append(error)

    # --- agents ----------------------------------------------------------------
    def _team_id(self, name: str | None) -> int | None:
        if not name:
            return None
        if self._teams is None:
            self._teams = dict(Team.objects.values_list("name", "pk"))
        if name not in self._teams:
            self._teams[name] = Team.objects.get_or_create(name=name)[0].pk
        return self._teams[name]

    def _upsert_agent(self, record: AgentRecord) -> None:
        team_id = self._team_id(record.team)
        values = {
            "name": record.name,
            "team_id": team_id,
            "tier": record.tier or "",
            "hired_on": record.hired_on,
            "extra": record.extra,
        }
        existing = Agent.objects.filter(external_id=record.id).first()
        if existing is None:
            agent = Agent.objects.create(external_id=record.id, **values)
            self.report.agents_created += 1
            self.report.created += 1
        else:
            agent = existing
            changed = any(getattr(agent, k) != v for k, v in values.items())
            if changed:
                for k, v in values.items():
                    setattr(agent, k, v)
                agent.save()
                self.report.agents_updated += 1
                self.report.updated += 1
            else:
                self.report.unchanged += 1
        self._agents[record.id] = (agent.pk, agent.team_id)
        if record.supervisor:
            self._supervisor_links[record.id] = record.supervisor
        elif existing is not None and existing.supervisor_id is not None:
            Agent.objects.filter(pk=agent.pk).update(supervisor=None)

    def _ensure_agents(self, external_ids: set[str]) -> None:
        """Agents named by conversations but never declared get a placeholder record."""
        missing = [ext for ext in external_ids if ext not in self._agents]
        if missing:
            self._read_agents(missing)
            missing = [ext for ext in missing if ext not in self._agents]
        if missing:
            Agent.objects.bulk_create(
                [Agent(external_id=ext, name=ext) for ext in missing], ignore_conflicts=True
            )
            self._read_agents(missing)

    def _read_agents(self, external_ids: list[str]) -> None:
        for ext, pk, team_id in Agent.objects.filter(external_id__in=external_ids).values_list(
            "external_id", "pk", "team_id"
        ):
            self._agents[ext] = (pk, team_id)

    def _link_supervisors(self) -> None:
        for agent_ext, supervisor_ext in self._supervisor_links.items():
            self._ensure_agents({supervisor_ext})
            Agent.objects.filter(external_id=agent_ext).update(
                supervisor_id=self._agents[supervisor_ext][0]
            )
        self._supervisor_links.clear()

    def _agent_pk(self, external_id: str | None) -> int | None:
        return self._agents[external_id][0] if external_id else None

    # --- conversations ---------------------------------------------------------
    def flush(self) -> None:
        if not self._pending:
            return
        records = list(self._pending.values())
        self._pending = {}
        with transaction.atomic():
            self._write_batch(records)
        if self.on_batch is not None:
            self.on_batch(self.report)

    def _upsert_customers(self, records: list[ConversationRecord]) -> dict[str, int]:
        if not records:
            return {}
        latest: dict[str, CustomerRecord] = {}
        for r in records:  # merge: a record that omits a field keeps what another gave
            known = latest.get(r.customer.id)
            latest[r.customer.id] = (
                r.customer if known is None else _merge_customer(known, r.customer)
            )
        existing = {
            row[0]: row[1:]
            for row in Customer.objects.filter(external_id__in=latest).values_list(
                "external_id",
                "pk",
                "name_digest",
                "phone_digest",
                "email_digest",
                "segment",
                "extra",
            )
        }
        new: list[dict] = []
        for ext, rec in latest.items():
            known = existing.get(ext)
            digests = _digests(rec)
            if known is None:
                name_digest, phone_digest_, email_digest = digests
                new.append(
                    {
                        "external_id": ext,
                        "name": rec.name,
                        "phone": rec.phone,
                        "email": rec.email,
                        "name_digest": name_digest,
                        "phone_digest": phone_digest_,
                        "email_digest": email_digest,
                        "segment": rec.segment or "",
                        "extra": self._seal("customer", rec.extra),
                        "tags": [],  # kept by kefu.customers
                    }
                )
                continue
            # Compare digests, not decrypted values; a record that omits a field does
            # not erase what an earlier one gave.
            pk, *stored_digests, segment, extra = known
            changes: dict = {}
            for attr, digest, stored in zip(
                ("name", "phone", "email"), digests, stored_digests, strict=True
            ):
                if getattr(rec, attr) is not None and digest != stored:
                    changes.update({attr: getattr(rec, attr), f"{attr}_digest": digest})
            if rec.segment is not None and rec.segment != segment:
                changes["segment"] = rec.segment
            merged_extra = self._seal.merge_customer_extra(extra, rec.extra)
            if merged_extra is not None:
                changes["extra"] = merged_extra
            if changes:
                customer = Customer(pk=pk, external_id=ext, **changes)
                customer.save(update_fields=list(changes))
        if new:
            fast_bulk_insert(Customer, new)
        ids = dict(Customer.objects.filter(external_id__in=latest).values_list("external_id", "pk"))
        return ids

    def _write_batch(self, records: list[ConversationRecord]) -> None:
        self._seal = Sealer()  # declared personal keys: their values are stored encrypted
        existing = {
            ext: (pk, digest, customer_pk)
            for ext, pk, digest, customer_pk in Conversation.objects.filter(
                external_id__in=[r.id for r in records]
            ).values_list("external_id", "pk", "content_hash", "customer_id")
        }
        to_write: list[tuple[ConversationRecord, str, int | None]] = []
        # conversation pk → messages kept as stored, of appends (see feed)
        kept: dict[int, int] = {}
        customer_ids: dict[str, int] = {}
        for record in records:
            digest = content_hash(record)
            known = existing.get(record.id)
            if known is not None and known[1] == digest:
                self.report.unchanged += 1
                if self.keep_ids:
                    self.report.conversation_ids.append(known[0])
                continue
            kept_messages = self._kept_messages.pop(record.id, 0)
            if known is not None and kept_messages:
                kept[known[0]] = kept_messages
                customer_ids[record.customer.id] = known[2]  # the customer as stored
            to_write.append((record, digest, known[0] if known else None))
        if not to_write:
            return

        customer_ids |= self._upsert_customers(
            [r for r, _, pk in to_write if pk is None or pk not in kept]
        )
        agent_ids: set[str] = set()
        for record, _, _ in to_write:
            agent_ids |= record.agent_ids()
        self._ensure_agents(agent_ids)

        now = timezone.now()
        new_rows: list[dict] = []
        changed_rows: list[dict] = []
        written: list[tuple[ConversationRecord, int]] = []
        for record, digest, pk in to_write:
            values = self._conversation_values(
                record, digest, customer_ids[record.customer.id], now
            )
            if pk is None:
                new_rows.append(values)
            else:
                del values["imported_at"]
                changed_rows.append({**values, "id": pk})
                written.append((record, pk))
        if new_rows:
            fast_bulk_insert(Conversation, new_rows)
            keys = dict(
                Conversation.objects.filter(
                    external_id__in=[v["external_id"] for v in new_rows]
                ).values_list("external_id", "pk")
            )
            by_id = {r.id: r for r, _, _ in to_write}
            written.extend((by_id[v["external_id"]], keys[v["external_id"]]) for v in new_rows)
        if changed_rows:
            fields = [
                f.name
                for f in Conversation._meta.concrete_fields
                if f.name not in {"id", "external_id", "imported_at"}
            ]
            fast_bulk_update(Conversation, changed_rows, fields)
            rewritten = [row["id"] for row in changed_rows if row["id"] not in kept]
            if rewritten:
                Message.objects.filter(conversation_id__in=rewritten).delete()
                Transfer.objects.filter(conversation_id__in=rewritten).delete()
                Escalation.objects.filter(conversation_id__in=rewritten).delete()
        self.report.created += len(new_rows)
        self.report.updated += len(changed_rows)

        adapt_dt = datetime_adapter()
        messages: list[tuple] = []
        transfers: list[Transfer] = []
        escalations: list[Escalation] = []
        documents: list[tuple[int, str]] = []
        for record, pk in written:
            first = kept.get(pk, 0)
            for seq, m in enumerate(record.messages[first:], start=first):
                messages.append(
                    (
                        pk,
                        seq,
                        m.id,
                        m.role,
                        self._agent_pk(m.agent) if m.agent else None,
                        adapt_dt(m.at),
                        m.text,
                        m.start_s,
                        m.end_s,
                        json_text(self._seal("message", m.extra) or None),
                    )
                )
            if pk not in kept:  # an append keeps its transfers and escalations as stored
                for t in record.transfers:
                    transfers.append(
                        Transfer(
                            conversation_id=pk,
                            from_agent_id=self._agent_pk(t.from_agent),
                            to_agent_id=self._agent_pk(t.to_agent),
                            at=t.at,
                        )
                    )
                for e in record.escalations:
                    escalations.append(
                        Escalation(
                            conversation_id=pk, level=e.level, at=e.at, resolved_at=e.resolved_at
                        )
                    )
            documents.append((pk, search_document(record)))
            if self.keep_ids:
                self.report.conversation_ids.append(pk)
        insert_rows(Message, MESSAGE_COLUMNS, messages)
        if transfers:
            Transfer.objects.bulk_create(transfers)
        if escalations:
            Escalation.objects.bulk_create(escalations)
        search.replace_documents(documents)
        records = {pk: record for record, pk in written}
        conversations_written.send(
            Importer, conversation_ids=list(records), records=records, live=self.live
        )
        if self.live:  # the next message of these conversations starts from them
            digests = {record.id: digest for record, digest, _ in to_write}
            kept_records = {pk: (digests[r.id], r) for pk, r in records.items()}
            transaction.on_commit(lambda: stored_records.put_many(kept_records))

    def _conversation_values(
        self, record: ConversationRecord, digest: str, customer_id: int, now
    ) -> dict:
        facts = conversation_facts(record)
        owner = self._agents.get(record.agent) if record.agent else None
        category = [*record.category, "", "", ""]
        survey, order = record.survey, record.order
        return dict(
            external_id=record.id,
            channel=record.channel,
            customer_id=customer_id,
            agent_id=owner[0] if owner else None,
            team_id=owner[1] if owner else None,
            created_at=record.created_at,
            resolved_at=record.resolved_at,
            closed_at=record.closed_at,
            status=record.status,
            category1=category[0],
            category2=category[1],
            category3=category[2],
            complaint=record.complaint,
            escalated=bool(record.escalations),
            transferred=bool(record.transfers),
            csat=survey.csat if survey else None,
            nps=survey.nps if survey else None,
            survey_at=survey.at if survey else None,
            survey_comment=(survey.comment or "") if survey else "",
            survey_extra=(self._seal("survey", survey.extra) or {}) if survey else None,
            has_order=order is not None,
            order_converted=order.converted if order else None,
            order_amount=Decimal(str(order.amount)) if order and order.amount is not None else None,
            order_currency=(order.currency or "") if order else "",
            order_extra=(self._seal("order", order.extra) or {}) if order else None,
            first_customer_at=facts.first_customer_at,
            first_response_at=facts.first_response_at,
            first_response_s=facts.first_response_s,
            handle_time_s=facts.handle_time_s,
            message_count=facts.message_count,
            customer_message_count=facts.customer_message_count,
            agent_message_count=facts.agent_message_count,
            extra=self._seal("conversation", record.extra),
            content_hash=digest,
            imported_at=now,
            updated_at=now,
        )


def _digests(rec: CustomerRecord) -> tuple[str, str, str]:
    """Keyed digests of name, phone and email, in the order of the *_digest columns."""
    return personal_digest(rec.name), phone_digest(rec.phone), personal_digest(rec.email)


def _merge_customer(old: CustomerRecord, new: CustomerRecord) -> CustomerRecord:
    return CustomerRecord(
        id=new.id,
        name=new.name if new.name is not None else old.name,
        phone=new.phone if new.phone is not None else old.phone,
        email=new.email if new.email is not None else old.email,
        segment=new.segment if new.segment is not None else old.segment,
        extra={**old.extra, **new.extra},
    )


# --- files ---------------------------------------------------------------------------


def detect_format(path: Path, head: bytes, encoding: str = "utf-8-sig") -> str:
    name = path.name.lower()
    if name.endswith((".jsonl", ".ndjson", ".json")):
        return "jsonl"
    if name.endswith(".csv"):
        header = head.decode(encoding, errors="replace").splitlines()[0] if head else ""
        columns = {c.strip() for c in header.split(",")}
        return "csv-conversations" if "conversation_id" in columns else "csv-agents"
    return "jsonl"


class _StoppingReader:
    """A csv reader that ends at a row it cannot read (csv.Error: a cell over the csv
    module's limit, often a quote that is never closed) and remembers it."""

    def __init__(self, reader) -> None:
        self.reader = reader
        self.broken = False

    @property
    def line_num(self) -> int:
        return self.reader.line_num

    def __iter__(self) -> Iterator[list[str]]:
        try:
            yield from self.reader
        except csv.Error:
            self.broken = True


def iter_file_records(
    handle: IO[bytes],
    file_format: str,
    tz: tzinfo,
    limits: Limits | None = None,
    encoding: str | None = None,
) -> Iterator[Record | RecordError]:
    """Records of a JSONL or CSV file in `encoding` (detected when None; FileRejected
    when the file is not text in an encoding we read)."""
    limits = limits or import_limits()
    if encoding is None:
        head = handle.read(SNIFF_BYTES)
        encoding = detect_encoding(head, whole_file=len(head) < SNIFF_BYTES)
        handle.seek(0)
    if file_format == "jsonl":
        yield from iter_jsonl(iter_lines(handle, limits.record_bytes), tz, limits, encoding)
        return
    # Bytes that are not text in the encoding become lone surrogates, which the core
    # rejects with the record that holds them (core.native._UNSTORABLE).
    text = io.TextIOWrapper(handle, encoding=encoding, errors="surrogateescape", newline="")
    reader = _StoppingReader(csv.reader(text))
    rows = (
        csvformat.iter_csv_agents(reader)
        if file_format == "csv-agents"
        else (csvformat.iter_csv_conversations(reader))
    )
    try:
        for line, obj in rows:
            if reader.broken:
                break  # the conversation in progress when the CSV broke: maybe incomplete
            yield obj if isinstance(obj, RecordError) else parse_object(obj, tz, line, limits)
        if reader.broken:
            raise FileRejected(BROKEN_CSV)
    finally:
        # A collected TextIOWrapper closes the file it wraps; the caller still owns it
        # (import_file asks it for the position after the last batch).
        text.detach()


def import_file(
    path: str | Path,
    *,
    file_format: str | None = None,
    on_progress: Callable[[ImportReport, int], None] | None = None,
    batch_size: int | None = None,
) -> ImportReport:
    """Import a JSONL or CSV file, streaming; `on_progress(report, bytes_read)` per batch.

    Raises FileRejected before anything is written when the file is not text in UTF-8 or
    GB18030, or, keeping the records before it, at a CSV row that cannot be read."""
    path = Path(path)
    tz = configured_tz()
    with path.open("rb") as raw:
        head = raw.read(SNIFF_BYTES)
        raw.seek(0)
        encoding = detect_encoding(head, whole_file=len(head) < SNIFF_BYTES)
        file_format = file_format or detect_format(path, head, encoding)
        importer = Importer(
            batch_size=batch_size,
            # The file position runs a read-ahead buffer in front: fine for a progress bar.
            on_batch=(lambda report: on_progress(report, raw.tell())) if on_progress else None,
        )
        records = iter_file_records(raw, file_format, tz, importer.limits, encoding)
        try:
            return importer.feed_all(records)
        except FileRejected:
            importer.finish()  # keep what was read before the break
            raise


# --- limits and messages -------------------------------------------------------------


def import_limits() -> Limits:
    """The limits of the settings block "Import limits", with `latest` fixed now."""
    try:
        first_day = date.fromisoformat(settings.KEFU_IMPORT_EARLIEST)
    except ValueError:
        raise ImproperlyConfigured(
            f"KEFU_IMPORT_EARLIEST must be a date YYYY-MM-DD, got {settings.KEFU_IMPORT_EARLIEST!r}"
        ) from None
    earliest = datetime.combine(first_day, time(), tzinfo=configured_tz())
    return Limits(
        earliest=earliest,  # local: errors show the configured day, not the UTC one
        future_tolerance=timedelta(hours=settings.KEFU_IMPORT_FUTURE_TOLERANCE_HOURS),
        text_length=settings.KEFU_IMPORT_MAX_TEXT_CHARS,
        record_bytes=settings.KEFU_IMPORT_MAX_RECORD_BYTES,
        messages=settings.KEFU_IMPORT_MAX_MESSAGES,
    )


def accepted_days() -> tuple[date, date]:
    """The first and last local day the importer accepts. Pages that derive a default
    period from the stored data (the newest day with data …) look only inside it, so a
    year-9999 row written before the window existed cannot push them out of range."""
    limits = import_limits()
    tz = configured_tz()
    return limits.earliest.astimezone(tz).date(), limits.latest.astimezone(tz).date()  # type: ignore[union-attr]


def reason_text(error: RecordError | dict) -> str:
    """A record error's reason in the active language. Stored errors (dicts of
    RecordError.as_dict) carry their template and parameters; older ones only English."""
    if isinstance(error, RecordError):
        template, params, reason = error.template, error.params, error.reason
    else:
        template, params, reason = error.get("template"), error.get("params"), error.get("reason")
    if not template:
        return reason or ""
    try:
        return gettext(template).format(**(params or {}))
    except (KeyError, IndexError, ValueError):  # a translation that lost a placeholder
        return reason or template


def error_text(error: RecordError) -> str:
    """`line N record ID: field: reason` with the reason in the active language."""
    reason = reason_text(error)
    if error.record_id:
        return gettext("line {line} record {id}: {field}: {reason}").format(
            line=error.line, id=error.record_id, field=error.field, reason=reason
        )
    return gettext("line {line}: {field}: {reason}").format(
        line=error.line, field=error.field, reason=reason
    )
