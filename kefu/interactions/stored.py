"""The records of conversations written live, kept per server process.

A live conversation gets a message every few seconds, and rebuilding its record from the
database (the conversation, its customer, messages, transfers and escalations) for each
append was the dearest part of it. The importer keeps here every record it writes live
(an API message, a conversation opened over the API), after the commit; an append uses
an entry only when its content hash equals the stored conversation's, which every write
through the importer updates, so a conversation changed by anything else (a file
import, another server process) is read again.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from kefu.interactions.core.native import ConversationRecord


class StoredRecords:
    """Conversation pk → (content hash, record), the least recently used dropped first."""

    def __init__(self, size: int = 2000) -> None:
        self.size = size
        self._records: OrderedDict[int, tuple[str, ConversationRecord]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, pk: int, digest: str) -> ConversationRecord | None:
        with self._lock:
            entry = self._records.get(pk)
            if entry is None or entry[0] != digest:
                return None
            self._records.move_to_end(pk)
            return entry[1]

    def put_many(self, entries: dict[int, tuple[str, ConversationRecord]]) -> None:
        """pk → (content hash as the importer stored it, record)."""
        with self._lock:
            for pk, entry in entries.items():
                self._records[pk] = entry
                self._records.move_to_end(pk)
            while len(self._records) > self.size:
                self._records.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._records.clear()


stored_records = StoredRecords()
