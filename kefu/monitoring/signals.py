"""Hooks: every write of conversations (an API message, an API or file import) reaches
live monitoring inside the transaction that stores it, so messages of live
conversations are evaluated — and their alerts stored — together with the messages."""

from __future__ import annotations

from django.db.models.signals import post_migrate
from django.dispatch import receiver

from kefu.interactions.signals import conversations_written


@receiver(conversations_written, dispatch_uid="monitoring-live-state")
def on_conversations_written(
    sender, conversation_ids: list[int], records: dict | None = None, **kwargs
) -> None:
    from kefu.monitoring.live import conversations_written as written

    written(conversation_ids, records)


@receiver(post_migrate, dispatch_uid="monitoring-rules")
def install_rules(sender, app_config=None, **kwargs) -> None:
    if app_config is not None and app_config.label == "monitoring":
        from kefu.monitoring.live import ensure_rules

        ensure_rules()
