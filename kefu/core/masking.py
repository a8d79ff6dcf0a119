"""Masking of personal data for display (pure Python, no Django).

Phone numbers keep their first 3 and last 4 digits (`138****5678`), as the contract
shows; ID-card and bank-card numbers keep the first and last four; e-mails keep the
first letter and the domain; names keep the family name.
"""

from __future__ import annotations

import re

# Mainland mobile numbers, optionally with +86 / spaces / dashes between groups.
_PHONE = re.compile(r"(?<!\d)(?:\+?86[- ]?)?(1[3-9]\d)[- ]?(\d{4})[- ]?(\d{4})(?!\d)")
# 18-digit resident ID (last char may be X); 15-digit legacy IDs too.
_ID_CARD = re.compile(
    r"(?<![\dA-Za-z])([1-9]\d{5})(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}([\dXx])(?![\dA-Za-z])"
)
# Bank cards: 16-19 digits, possibly in groups of four separated by spaces or dashes.
_BANK_CARD = re.compile(r"(?<!\d)(\d{4})(?:[ -]?\d{4}){2,3}(?:[ -]?\d{1,3})?(?!\d)")
_EMAIL = re.compile(r"\b([A-Za-z0-9])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})\b")


def mask_phone(phone: str | None) -> str:
    if not phone:
        return ""
    digits = re.sub(r"\D", "", phone)
    if len(digits) >= 7:
        return f"{digits[:3]}****{digits[-4:]}"
    return "*" * len(digits)


def mask_email(email: str | None) -> str:
    if not email:
        return ""
    local, _, domain = email.partition("@")
    if not domain:
        return "***"
    return f"{local[:1]}***@{domain}"


def mask_name(name: str | None) -> str:
    if not name:
        return ""
    if re.fullmatch(r"[\u4e00-\u9fff·]+", name):
        return name[0] + "*" * (len(name) - 1)
    parts = name.split()
    return " ".join(p[:1] + "*" * (len(p) - 1) for p in parts)


def _keep_ends(match: re.Match[str]) -> str:
    raw = match.group(0)
    digits = re.sub(r"[ -]", "", raw)
    if len(digits) < 15:  # order numbers and the like are not card numbers
        return raw
    return f"{digits[:4]}{'*' * (len(digits) - 8)}{digits[-4:]}"


def mask_text(text: str | None) -> str:
    """Mask phone, ID-card, bank-card numbers and e-mails inside free text."""
    if not text:
        return text or ""
    text = _ID_CARD.sub(_keep_ends, text)
    text = _BANK_CARD.sub(_keep_ends, text)
    text = _PHONE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)
    return _EMAIL.sub(lambda m: f"{m.group(1)}***@{m.group(2)}", text)


def contains_personal_data(text: str | None) -> bool:
    return bool(text) and mask_text(text) != text
