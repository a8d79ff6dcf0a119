"""Refusals the training actions share."""

from __future__ import annotations

from django.utils.translation import gettext_noop

from kefu.accounts.roles import MANAGE_TRAINING
from kefu.lib.errors import NotAllowed


def require_trainer(user) -> None:
    if not user.is_authenticated or not user.has_perm(MANAGE_TRAINING):
        raise NotAllowed(gettext_noop("Only trainers may do this."))
