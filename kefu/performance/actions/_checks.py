"""Refusals the performance actions share."""

from __future__ import annotations

from django.utils.translation import gettext_noop

from kefu.accounts.roles import MANAGE_PERFORMANCE
from kefu.lib.errors import NotAllowed


def require_manager(user) -> None:
    """Calibration and the promotion pool are the managers' (MANAGE_PERFORMANCE)."""
    if user is None or not user.is_authenticated or not user.has_perm(MANAGE_PERFORMANCE):
        raise NotAllowed(gettext_noop("Only performance managers may do this."))
