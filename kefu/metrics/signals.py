"""Import hook: each written batch queues its conversations (in the batch's transaction);
the queue is worked off when the import finishes (and before any read)."""

from django.dispatch import receiver

from kefu.interactions.signals import conversations_written, import_finished
from kefu.metrics import facts


@receiver(conversations_written, dispatch_uid="metrics-facts")
def on_conversations_written(sender, conversation_ids: list[int], **kwargs) -> None:
    facts.queue(conversation_ids)


@receiver(import_finished, dispatch_uid="metrics-rollups")
def on_import_finished(sender, **kwargs) -> None:
    facts.refresh()  # so the first page load after an import pays nothing
