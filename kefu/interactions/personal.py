"""Helpers for customer personal data: blind index and masking by permission."""

from __future__ import annotations

import hashlib
import hmac
import re

from django.conf import settings

from kefu.core.masking import mask_email, mask_name, mask_phone, mask_text


def phone_digest(phone: str | None) -> str:
    """HMAC of the digits: lets staff find a customer by phone without decrypting all."""
    if not phone:
        return ""
    digits = re.sub(r"\D", "", phone)[-11:]
    return hmac.new(settings.SECRET_KEY.encode(), digits.encode(), hashlib.sha256).hexdigest()


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
