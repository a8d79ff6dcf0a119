"""The refusals every `actions.py` raises (validate, then do): the API answers them as
`{"detail": …}` with their status, the pages show them as messages."""

from __future__ import annotations

from typing import Any


class ActionError(Exception):
    """A refused write: HTTP-like status, a sentence, and per-record errors if any."""

    status = 400

    def __init__(self, detail: str, errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or []


class NotAllowed(ActionError):
    status = 403


class NotFound(ActionError):
    status = 404


class Conflict(ActionError):
    status = 409


class Invalid(ActionError):
    status = 422
