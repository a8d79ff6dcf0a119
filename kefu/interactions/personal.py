"""Helpers for customer personal data: blind index and masking by permission."""

from __future__ import annotations

import hashlib
import hmac
import re

from django.conf import settings

from kefu.core.masking import mask_email, mask_name, mask_phone, mask_text


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


class PersonalDataView:
    """What a given viewer sees of personal fields: clear text or masked."""

    def __init__(self, unmasked: bool) -> None:
        self.unmasked = unmasked

    def name(self, value: str | None) -> str:
        return (value or "") if self.unmasked else mask_name(value)

    def phone(self, value: str | None) -> str:
        return (value or "") if self.unmasked else mask_phone(value)

    def email(self, value: str | None) -> str:
        return (value or "") if self.unmasked else mask_email(value)

    def text(self, value: str | None) -> str:
        return (value or "") if self.unmasked else mask_text(value)
