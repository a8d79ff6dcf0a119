"""What the methods' API routes share: refusals in the request's language."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.utils.translation import gettext as _

from kefu.lib.errors import ActionError
from kefu.lib.schemas import ErrorOut

T = TypeVar("T")
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def do(action: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a write; its refusal answers with its status and the sentence translated
    (the actions raise English message ids)."""
    try:
        return action(*args, **kwargs)
    except ActionError as exc:
        raise type(exc)(_(exc.detail), exc.errors) from None
