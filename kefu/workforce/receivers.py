"""An agent who signs out is offline (routing must not give them new conversations)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_out
from django.dispatch import receiver

from kefu.accounts.models import Agent
from kefu.workforce import actions
from kefu.workforce.choices import PresenceState


@receiver(user_logged_out, dispatch_uid="workforce-presence-offline")
def offline_at_sign_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is None:
        return
    agent = Agent.objects.filter(user=user).first()
    if agent is not None:
        actions.set_presence(agent, PresenceState.OFFLINE, by=user)
