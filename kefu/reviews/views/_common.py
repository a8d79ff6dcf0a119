"""What the human-QA pages share: permission checks, refusals, user names."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext as _

from kefu.lib.errors import ActionError

TIMER_SALT = "kefu.reviews.timer"


def _require(request: HttpRequest, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise PermissionDenied


def _refused(request: HttpRequest, exc: ActionError) -> None:
    messages.error(request, _(exc.detail) if exc.detail else _("Refused."))


def _names(user_ids) -> dict[int, str]:
    users = get_user_model().objects.filter(pk__in=set(user_ids))
    return {u.pk: u.get_full_name() or u.get_username() for u in users}
