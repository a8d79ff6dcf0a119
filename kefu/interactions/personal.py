"""Helpers for customer personal data: blind index, sealed extra values, and what a
viewer sees (clear or masked) — the one place every exit (pages, API, exports,
live events) goes through."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import re
from collections.abc import Iterable
from typing import Any

import orjson
from cryptography.fernet import InvalidToken
from django.conf import settings
from django.core.cache import cache
from django.db import connection

from kefu.core.masking import (
    FULL_MASK,
    SEALED_KEY,
    is_sealed,
    mask_email,
    mask_name,
    mask_phone,
    mask_text,
    mask_value,
    parse_path,
    transform_path,
)
from kefu.interactions.core.native import ConversationRecord

PERSONAL_KEYS_CACHE_KEY = "kefu:personal-keys"
PERSONAL_KEYS_CACHE_SECONDS = 30


def _digest_key() -> bytes:
    return hashlib.sha256(b"kefu-personal-digest:" + settings.SECRET_KEY.encode()).digest()


def personal_digest(value: str | None) -> str:
    """Keyed digest of a personal value (empty for none)."""
    if value is None or value == "":
        return ""
    return hmac.new(_digest_key(), value.encode(), hashlib.sha256).hexdigest()


def phone_digest(phone: str | None) -> str:
    """Digest of the last 11 digits: finds a customer by phone however it was written."""
    if not phone:
        return ""
    return personal_digest(re.sub(r"\D", "", phone)[-11:])


# --- declared personal keys ----------------------------------------------------------


def declared_paths() -> dict[str, tuple[tuple[str, ...], ...]]:
    """Section ("conversation", "customer", "message", "survey", "order") → the key
    paths declared personal inside its extra data (cached briefly; read per import
    batch and per live message; cleared when a key is declared or removed)."""
    paths = cache.get(PERSONAL_KEYS_CACHE_KEY)
    if paths is None:
        from kefu.interactions.models import PersonalKey

        grouped: dict[str, list[tuple[str, ...]]] = {}
        for path in PersonalKey.objects.values_list("path", flat=True):
            section, parts = parse_path(path)
            if parts:
                grouped.setdefault(section, []).append(parts)
        paths = {section: tuple(p) for section, p in grouped.items()}
        cache.set(PERSONAL_KEYS_CACHE_KEY, paths, PERSONAL_KEYS_CACHE_SECONDS)
    return paths


def forget_declared_paths() -> None:
    cache.delete(PERSONAL_KEYS_CACHE_KEY)


def _fernet():
    # The keys of the encrypted customer fields (KEFU_SECRET_KEY × salts, with rotation).
    from kefu.interactions.models import Customer

    return Customer._meta.get_field("name").f


def seal(value: Any) -> Any:
    """A value encrypted for storage (any JSON value; already sealed ones are kept)."""
    if value is None or is_sealed(value):
        return value
    token = _fernet().encrypt(orjson.dumps(value)).decode()
    return {SEALED_KEY: token}


def unseal(value: Any) -> Any:
    """`value` with every sealed value inside it decrypted (a token no key opens stays
    fully masked)."""
    if isinstance(value, dict):
        if is_sealed(value):
            try:
                return orjson.loads(_fernet().decrypt(value[SEALED_KEY].encode()))
            except (InvalidToken, ValueError, TypeError):
                return FULL_MASK
        return {k: unseal(v) for k, v in value.items()}
    if isinstance(value, list):
        return [unseal(v) for v in value]
    return value


def _has_sealed(value: Any) -> bool:
    if isinstance(value, dict):
        return is_sealed(value) or any(_has_sealed(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_sealed(v) for v in value)
    return False


def seal_extra(
    section: str,
    extra: dict[str, Any] | None,
    paths: dict[str, tuple[tuple[str, ...], ...]] | None = None,
) -> dict[str, Any] | None:
    """The extra data of one part of a record ("conversation", "customer", "message",
    "survey", "order") as it is stored: values at declared personal keys sealed.
    `paths`: declared_paths(), when the caller read them once for many values."""
    if not extra:
        return extra
    for parts in (declared_paths() if paths is None else paths).get(section, ()):
        extra = transform_path(extra, parts, seal)
    return extra


class Sealer:
    """seal_extra with the declared keys read once (per import batch)."""

    def __init__(self) -> None:
        self.paths = declared_paths()

    def __call__(self, section: str, extra: dict[str, Any] | None) -> dict[str, Any] | None:
        if not extra or section not in self.paths:
            return extra
        return seal_extra(section, extra, self.paths)

    def merge_customer_extra(
        self, stored: dict[str, Any], new: dict[str, Any]
    ) -> dict[str, Any] | None:
        """The customer's stored extra data with a record's merged in, sealed; None when
        that changes nothing (compared decrypted: a sealed value is encrypted anew each
        time, so comparing ciphertexts would rewrite the customer on every import)."""
        if not new:
            return None
        clear = unseal(stored) if _has_sealed(stored) else stored
        merged = {**clear, **new}
        return None if merged == clear else self("customer", merged)


def reseal(section: str, extra: dict[str, Any] | None) -> dict[str, Any] | None:
    """Stored extra data sealed as declared now, with the current key (for
    `kefu personal_keys --apply`: keys declared later, key rotation)."""
    if not extra:
        return extra
    clear = unseal(extra) if _has_sealed(extra) else extra
    return seal_extra(section, clear)


def _hide_declared(
    section: str, extra: dict[str, Any], paths: dict[str, tuple[tuple[str, ...], ...]]
) -> dict[str, Any]:
    for parts in paths.get(section, ()):
        extra = transform_path(extra, parts, lambda _value: FULL_MASK)
    return extra


def _record_has_sealed(record: ConversationRecord) -> bool:
    extras = [record.extra, record.customer.extra, *(m.extra for m in record.messages)]
    extras += [part.extra for part in (record.survey, record.order) if part is not None]
    return any(_has_sealed(e) for e in extras if e)


class PersonalDataView:
    """What a given viewer sees of personal data: clear text or masked.

    `names`: the customer's names (masked inside texts too, e.g. 尊敬的张昊涛您好)."""

    def __init__(self, unmasked: bool, names: Iterable[str | None] = ()) -> None:
        self.unmasked = unmasked
        self.names = tuple(n for n in names if n)
        self._paths: dict[str, tuple[tuple[str, ...], ...]] | None = None

    def for_customer(self, *names: str | None) -> PersonalDataView:
        view = PersonalDataView(self.unmasked, names)
        view._paths = self._paths
        return view

    @property
    def paths(self) -> dict[str, tuple[tuple[str, ...], ...]]:
        """The declared personal keys, read once per view (not per value)."""
        if self._paths is None:
            self._paths = declared_paths()
        return self._paths

    def name(self, value: str | None) -> str:
        return (value or "") if self.unmasked else mask_name(value)

    def phone(self, value: str | None) -> str:
        return (value or "") if self.unmasked else mask_phone(value)

    def email(self, value: str | None) -> str:
        return (value or "") if self.unmasked else mask_email(value)

    def text(self, value: str | None) -> str:
        """Free text (a message, a survey comment, QA or alert evidence)."""
        return (value or "") if self.unmasked else mask_text(value, self.names)

    def extra(self, value: Any, section: str = "conversation") -> Any:
        """Extra data (unknown keys) of one part of a record: decrypted for a permitted
        viewer; otherwise declared keys fully masked and every string pattern-masked."""
        if not value:
            return value
        if self.unmasked:
            return unseal(value) if _has_sealed(value) else value
        if isinstance(value, dict):
            value = _hide_declared(section, value, self.paths)
        return mask_value(value, self.names)

    def record(self, record: ConversationRecord) -> ConversationRecord:
        """A whole conversation record as this viewer sees it (a copy, or the record
        itself when a permitted viewer has nothing sealed to decrypt)."""
        if self.unmasked and not _record_has_sealed(record):
            return record
        view = self.for_customer(record.customer.name)  # reads the declared keys once
        c = record.customer
        customer = dataclasses.replace(
            c,
            name=view.name(c.name) or None,
            phone=view.phone(c.phone) or None,
            email=view.email(c.email) or None,
            extra=view.extra(c.extra, "customer") or {},
        )
        messages = [
            dataclasses.replace(
                m, text=view.text(m.text), extra=view.extra(m.extra, "message") or {}
            )
            for m in record.messages
        ]
        survey = record.survey and dataclasses.replace(
            record.survey,
            comment=view.text(record.survey.comment) or None,
            extra=view.extra(record.survey.extra, "survey") or {},
        )
        order = record.order and dataclasses.replace(
            record.order, extra=view.extra(record.order.extra, "order") or {}
        )
        return dataclasses.replace(
            record,
            customer=customer,
            messages=messages,
            survey=survey,
            order=order,
            extra=view.extra(record.extra) or {},
        )


def mask_stored_evidence(model, name_lookup: str, batch: int = 5000) -> int:
    """Mask the evidence already stored on `model` (QA hits, live alerts: stored
    unmasked before evidence was masked at write time), the customer's name included;
    `name_lookup` reaches the customer's name from a row. Batched by primary key, only
    changed rows written; for the data migrations of qa and monitoring. Returns the
    number of rows changed."""
    rows = model.objects.exclude(evidence="").order_by("pk")
    table = connection.ops.quote_name(model._meta.db_table)
    column = connection.ops.quote_name(model._meta.get_field("evidence").column)
    last, changed = 0, 0
    while True:
        chunk = list(rows.filter(pk__gt=last).values_list("pk", "evidence", name_lookup)[:batch])
        if not chunk:
            return changed
        last = chunk[-1][0]
        dirty = [
            (masked, pk)
            for pk, evidence, name in chunk
            if (masked := mask_text(evidence, (name,))) != evidence
        ]
        if dirty:  # one executemany: bulk_update's CASE per row is 10x slower here
            with connection.cursor() as cursor:
                cursor.executemany(f"UPDATE {table} SET {column} = %s WHERE id = %s", dirty)
            changed += len(dirty)
