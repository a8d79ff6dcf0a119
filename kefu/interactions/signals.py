"""Signals other domains listen to (they depend on interactions, not the reverse)."""

from django.dispatch import Signal

# Sent by the importer inside each batch's transaction, after the batch's conversations
# (new or changed) and their messages, transfers and escalations are written.
# Arguments: conversation_ids (list[int]).
conversations_written = Signal()

# Sent when an import (a file, an API batch) has finished all its batches.
import_finished = Signal()
