"""Import hook. Each written batch queues its conversations for automatic QA (one small
insert inside the batch's transaction); when the import ends a background task scores
the queue, so importing stays as fast as storing."""

import logging

from django.dispatch import receiver

from kefu.core.tasks import enqueue_soon
from kefu.interactions.signals import conversations_written, import_finished
from kefu.qa import scoring

log = logging.getLogger(__name__)


@receiver(conversations_written, dispatch_uid="qa-queue")
def on_conversations_written(sender, conversation_ids: list[int], **kwargs) -> None:
    scoring.queue(conversation_ids)


@receiver(import_finished, dispatch_uid="qa-score")
def on_import_finished(sender, live: bool = False, **kwargs) -> None:
    from kefu.qa.tasks import score_pending_task

    try:
        if live:  # a message at a time: one task per few seconds scores them all
            enqueue_soon(score_pending_task, "qa-score")
        else:
            score_pending_task.enqueue()
    except Exception:  # no reachable task queue: score now rather than never
        log.warning("could not enqueue score_pending_task; scoring now", exc_info=True)
        scoring.score_pending()
