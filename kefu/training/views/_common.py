"""What the training pages share: permission checks and refusals."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext as _

from kefu.accounts.roles import MANAGE_TRAINING
from kefu.lib.errors import ActionError


def require_trainer(request: HttpRequest) -> None:
    if not request.user.has_perm(MANAGE_TRAINING):
        raise PermissionDenied


def refused(request: HttpRequest, exc: ActionError) -> None:
    messages.error(request, _(exc.detail) if exc.detail else _("Refused."))
