"""Hooks (connected in apps.py): classifications follow the conversations.

- Each written batch refreshes the copies (agent, team, complaint flag) of the
  classifications it touched (one UPDATE, only when there are any).
- When the import (or the live write) ends, a background task labels the closed
  complaints that have no classification yet (nothing to do before a model is trained).
"""

from __future__ import annotations

from django.dispatch import receiver

from kefu.improvement import actions
from kefu.interactions.signals import conversations_written, import_finished
from kefu.lib.tasks import queue_or_run_now


@receiver(conversations_written, dispatch_uid="improvement-copies")
def on_conversations_written(sender, conversation_ids: list[int], **kwargs) -> None:
    actions.refresh_copies(conversation_ids)


@receiver(import_finished, dispatch_uid="improvement-classify")
def on_import_finished(sender, live: bool = False, **kwargs) -> None:
    from kefu.improvement.models import ClassifierModel
    from kefu.improvement.tasks import classify_pending

    if not ClassifierModel.objects.filter(active=True).exists():
        return
    queue_or_run_now(classify_pending, actions.classify, live=live, key="improvement-classify")
