"""The log-in page when django-axes has locked a username from an address."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

LOCKED_OUT_STATUS = 429
# django-axes keeps the tried username in a 255-character column: PostgreSQL refuses a
# longer one (or a NUL) and the log-in answered 500. No real username is longer than this.
MAX_USERNAME = 150


def axes_username(request: HttpRequest, credentials: dict[str, Any] | None = None) -> str:
    """AXES_USERNAME_CALLABLE: the tried username as stored, printable and cut to size."""
    source = credentials if credentials else getattr(request, "POST", {})
    username = source.get(settings.AXES_USERNAME_FORM_FIELD) if source else None
    text = str(username or "")
    return "".join(c for c in text if c.isprintable())[:MAX_USERNAME]


def lockout_message() -> str:
    cooloff = settings.AXES_COOLOFF_TIME
    if cooloff:
        minutes = max(1, round(cooloff.total_seconds() / 60))
        return _(
            "Too many failed log-ins for this account from your address. Try again in "
            "%(minutes)s minutes, or ask an administrator to unlock the account."
        ) % {"minutes": minutes}
    return _(
        "Too many failed log-ins for this account from your address. Ask an administrator "
        "to unlock the account."
    )


def locked_out(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: the log-in form again, with the reason, answered 429."""
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    form = AuthenticationForm(request, initial={"username": str(username)[:150]})
    context = {
        "form": form,
        "locked_out_message": lockout_message(),
        "next": request.POST.get("next", ""),
    }
    return render(request, "registration/login.html", context, status=LOCKED_OUT_STATUS)
