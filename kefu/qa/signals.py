"""Import hook. Each written batch queues its conversations for automatic QA (one small
insert inside the batch's transaction); when the import ends a background task scores
the queue, so importing stays as fast as storing."""

from django.dispatch import receiver

from kefu.interactions.signals import conversations_written, import_finished
from kefu.lib.tasks import queue_or_run_now
from kefu.qa import scoring


@receiver(conversations_written, dispatch_uid="qa-queue")
def on_conversations_written(sender, conversation_ids: list[int], **kwargs) -> None:
    scoring.queue(conversation_ids)


@receiver(import_finished, dispatch_uid="qa-score")
def on_import_finished(sender, live: bool = False, **kwargs) -> None:
    from kefu.qa.tasks import score_pending_task

    queue_or_run_now(score_pending_task, scoring.score_pending, live=live, key="qa-score")
