"""Import hook. Each written batch queues its conversations for KPI facts (one small insert
inside the batch's transaction). When the import ends the queue is handed to a background
task, so importing stays as fast as storing; every read works off what is left first, so
figures are always current (the first read after a large import may take longer)."""

from django.dispatch import receiver

from kefu.interactions.signals import conversations_written, import_finished
from kefu.metrics import facts


@receiver(conversations_written, dispatch_uid="metrics-facts")
def on_conversations_written(sender, conversation_ids: list[int], **kwargs) -> None:
    facts.queue(conversation_ids)


@receiver(import_finished, dispatch_uid="metrics-rollups")
def on_import_finished(sender, live: bool = False, **kwargs) -> None:
    from kefu.metrics.tasks import hand_over_refresh

    hand_over_refresh(live=live)
