"""After QA scoring, the assignment rules run (QA → lesson). QA knows nothing of training:
it sends `kefu.qa.scoring.scoring_finished`, this module listens (connected in apps.py)."""

from __future__ import annotations

import logging

from django.dispatch import receiver

from kefu.bulk import chunks
from kefu.interactions.models import Conversation
from kefu.qa.scoring import scoring_finished
from kefu.training.actions.assignments import run_rules
from kefu.training.models import AssignmentRule

log = logging.getLogger(__name__)


@receiver(scoring_finished, dispatch_uid="training-assignment-rules")
def on_scoring_finished(sender, conversation_ids: list[int] | None = None, **kwargs) -> None:
    """Run the active rules for the agents of the scored conversations (every agent after
    a re-score). A failure is logged, never passed on to the scoring that sent it."""
    try:
        if not AssignmentRule.objects.filter(active=True).exists():
            return
        agent_ids: set[int] | None = None
        if conversation_ids is not None:
            agent_ids = set()
            for chunk in chunks(conversation_ids, 500):
                agent_ids.update(
                    Conversation.objects.filter(pk__in=list(chunk), agent_id__isnull=False)
                    .values_list("agent_id", flat=True)
                    .distinct()
                )
        created = run_rules(agent_ids=agent_ids)
        total = sum(len(v) for v in created.values())
        if total:
            log.info("assignment rules: %s lesson(s) assigned after scoring", total)
    except Exception:
        log.exception("assignment rules failed after QA scoring")
