"""Masking of personal data for display (pure Python, no Django).

Phone numbers keep their first 3 and last 4 digits (`138****5678`), as the contract
shows; ID-card and bank-card numbers keep the first and last four; e-mails keep the
first letter and the domain; names keep the family name.

`mask_text` masks the same patterns inside free text, plus the customer's own names;
`mask_value` does it to every string of a nested value (the unknown keys a record
keeps as extra data). Values an administrator declared personal are stored sealed
(`{SEALED_KEY: ciphertext}`) and shown fully masked (`FULL_MASK`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from typing import Any

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


def mask_text(text: str | None, names: Iterable[str | None] = ()) -> str:
    """Mask phone, ID-card, bank-card numbers and e-mails inside free text, and the
    given customer `names` (see `name_tokens`). Masking twice changes nothing."""
    if not text:
        return text or ""
    text = _ID_CARD.sub(_keep_ends, text)
    text = _BANK_CARD.sub(_keep_ends, text)
    text = _PHONE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)
    text = _EMAIL.sub(lambda m: f"{m.group(1)}***@{m.group(2)}", text)
    if names:
        masker = name_masker(tuple(n for n in names if n))
        if masker is not None and masker.may_occur(text):
            text = masker.pattern.sub(masker.replace, text)
    return text


def contains_personal_data(text: str | None) -> bool:
    return bool(text) and mask_text(text) != text


# --- names inside text ---------------------------------------------------------------

_CJK_NAME = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff·]+")
_LATIN_PART = re.compile(r"[^\W\d_]{3,}")


def name_tokens(name: str) -> tuple[list[str], list[str]]:
    """(whole names, given names) of a customer's name to mask inside text: the whole
    name (2+ characters) and, for Chinese names, the given name alone when it has 2+
    characters (张昊涛 → 昊涛; 欧阳娜娜 → 阳娜娜, 娜娜); for Latin names each part of 3+
    letters (matched as whole words)."""
    name = " ".join(name.split())
    if len(name) < 2:
        return [], []
    if _CJK_NAME.fullmatch(name):
        return [name], [name[i:] for i in (1, 2) if len(name) - i >= 2]
    return [name], _LATIN_PART.findall(name)


class NameMasker:
    """One compiled pattern for the names of a conversation: Chinese tokens match
    anywhere (Chinese has no word boundaries), Latin ones as whole words and
    case-insensitively; the longest token wins."""

    def __init__(self, whole: set[str], given: set[str]) -> None:
        self.given = {t.casefold() for t in given - whole}
        self.tokens = tuple(sorted(whole | given, key=len, reverse=True))
        self._folded = tuple({t.casefold() for t in self.tokens})
        self._compiled: re.Pattern[str] | None = None

    def may_occur(self, text: str) -> bool:
        """A plain substring test (far cheaper than compiling the pattern, which only
        texts that hold a name need)."""
        folded = text.casefold()
        return any(t in folded for t in self._folded)

    @property
    def pattern(self) -> re.Pattern[str]:
        if self._compiled is None:
            alternatives = [
                re.escape(t) if _CJK_NAME.fullmatch(t) else rf"(?<!\w){re.escape(t)}(?!\w)"
                for t in self.tokens
            ]
            self._compiled = re.compile("|".join(alternatives), re.IGNORECASE)
        return self._compiled

    def replace(self, match: re.Match[str]) -> str:
        found = match.group(0)
        if _CJK_NAME.fullmatch(found) and found.casefold() in self.given:
            return "*" * len(found)  # its first character would give a given name away
        return mask_name(found)


@lru_cache(maxsize=4096)
def name_masker(names: tuple[str, ...]) -> NameMasker | None:
    """The masker for these names, compiled once (a conversation's messages share it)."""
    whole: set[str] = set()
    given: set[str] = set()
    for name in names:
        w, g = name_tokens(name)
        whole.update(w)
        given.update(g)
    return NameMasker(whole, given) if whole else None


# --- nested values (extra data) --------------------------------------------------------

SEALED_KEY = "$kefu_personal"
FULL_MASK = "***"


def is_sealed(value: Any) -> bool:
    """A value stored encrypted because its key was declared personal."""
    return type(value) is dict and len(value) == 1 and SEALED_KEY in value


def mask_value(value: Any, names: Iterable[str | None] = ()) -> Any:
    """`value` with `mask_text` applied to every string inside it (keys too), through
    nested dicts and lists; sealed values become FULL_MASK. Booleans, floats, None and
    other numbers are kept, except an integer that is itself a phone, ID-card or
    bank-card number (`"phone": 13812345678`): it becomes the masked string."""
    names = tuple(names)
    if isinstance(value, str):
        return mask_text(value, names)
    if isinstance(value, dict):
        if is_sealed(value):
            return FULL_MASK
        return {
            mask_text(k, names) if isinstance(k, str) else k: mask_value(v, names)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [mask_value(v, names) for v in value]
    if type(value) is int and abs(value) >= 1_000_000:  # short numbers are never personal
        digits = str(value)
        masked = mask_text(digits)
        return masked if masked != digits else value
    return value


# --- declared personal keys (paths relative to a native record) --------------------------

# Where the extra data of each part of a conversation record is kept.
SECTIONS = {"customer": "customer", "messages[]": "message", "survey": "survey", "order": "order"}


def parse_path(path: str) -> tuple[str, tuple[str, ...]]:
    """("conversation" | "customer" | "message" | "survey" | "order", the key path
    inside that part's extra data) of a dotted record path: `crm.phone` →
    ("conversation", ("crm", "phone")), `messages[].contact` → ("message", ("contact",))."""
    parts = tuple(p for p in path.strip().split(".") if p)
    if len(parts) > 1 and parts[0] in SECTIONS:
        return SECTIONS[parts[0]], parts[1:]
    return "conversation", parts


def transform_path(value: Any, parts: Sequence[str], fn: Callable[[Any], Any]) -> Any:
    """A copy of `value` with fn applied at the key path `parts` (missing keys: no
    change). A key may itself contain dots (`{"crm.phone": …}` matches `crm.phone`);
    `key[]` walks every item of a list."""
    if not parts or not isinstance(value, dict):
        return value
    joined = ".".join(parts)
    if joined in value:
        return {**value, joined: fn(value[joined])}
    head, rest = parts[0], parts[1:]
    if head.endswith("[]"):
        key = head[:-2]
        items = value.get(key)
        if not isinstance(items, list):
            return value
        if rest:
            new = [transform_path(item, rest, fn) for item in items]
        else:
            new = [fn(item) for item in items]
        return {**value, key: new}
    if head not in value:
        return value
    if not rest:
        return {**value, head: fn(value[head])}
    inner = value[head]
    new_inner = transform_path(inner, rest, fn)
    return value if new_inner is inner else {**value, head: new_inner}
