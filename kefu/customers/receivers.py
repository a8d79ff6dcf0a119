"""Hooks (connected in apps.py): the risk index follows every write of conversations.

- Each written batch of an import, an API batch or a live message queues its
  conversations (`PendingRisk`, one small insert inside the batch's transaction).
- When the import (or the live write) ends, a background task works the queue off:
  the customers of those conversations are scored again (`refresh.refresh_pending`).
- When automatic QA has scored conversations (their negative emotion is now known), their
  customers are queued and scored again; after a re-score of everything, every customer.
"""

from __future__ import annotations

from django.dispatch import receiver

from kefu.customers import refresh
from kefu.interactions.signals import conversations_written, import_finished
from kefu.lib.tasks import queue_or_run_now
from kefu.qa.scoring import scoring_finished


@receiver(conversations_written, dispatch_uid="customers-risk-queue")
def on_conversations_written(sender, conversation_ids: list[int], **kwargs) -> None:
    refresh.queue(conversation_ids)


@receiver(import_finished, dispatch_uid="customers-risk-refresh")
def on_import_finished(sender, live: bool = False, **kwargs) -> None:
    from kefu.customers.tasks import refresh_risk

    queue_or_run_now(refresh_risk, refresh.refresh_pending, live=live, key="customers-risk")


@receiver(scoring_finished, dispatch_uid="customers-risk-after-qa")
def on_scoring_finished(sender, conversation_ids: list[int] | None = None, **kwargs) -> None:
    from kefu.customers.tasks import refresh_all_risk, refresh_risk

    if conversation_ids is None:  # a re-score run: any conversation may have changed
        queue_or_run_now(refresh_all_risk, refresh.refresh_all, live=False, key="customers-all")
        return
    refresh.queue(conversation_ids)
    queue_or_run_now(refresh_risk, refresh.refresh_pending, live=False, key="customers-risk")
