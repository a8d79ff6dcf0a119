"""The native record rebuilt from the database: one builder for the export (model
instances) and for QA scoring's bulk reader (raw rows)."""

from __future__ import annotations

import dataclasses

from conftest import native_conversation
from kefu.interactions.exporter import stored_record, with_record_relations
from kefu.interactions.models import Conversation
from kefu.qa.scoring import records_for


def test_it_rebuilds_the_same_record_for_the_export_and_for_scoring(personas, import_records):
    import_records(
        native_conversation(
            id="C-FULL",
            survey={"csat": 4, "nps": 7, "comment": "还行", "at": "2024-05-02T11:00:00+08:00"},
            order={"converted": True, "amount": 199.5, "currency": "CNY", "extra": {"sku": "X"}},
            transfers=[{"from": "A0001", "to": "A0007", "at": "2024-05-02T10:16:00+08:00"}],
            escalations=[{"level": "supervisor", "at": "2024-05-02T10:18:00+08:00"}],
            extra={"source": "web"},
        ),
        native_conversation(id="C-BARE", survey=None, category=[]),
    )
    for conv in with_record_relations(Conversation.objects.order_by("pk")):
        exported = stored_record(conv)
        [(_, scored)] = list(records_for([conv.pk]))
        # the scoring reader reads no personal customer fields
        exported.customer = dataclasses.replace(
            exported.customer, name=None, phone=None, email=None, extra={}
        )
        assert scored == exported
