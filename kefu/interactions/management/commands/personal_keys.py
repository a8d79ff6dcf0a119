"""List the declared personal data keys; `--apply` encrypts the values already stored
at them (keys declared after the import) and re-encrypts sealed values with the
current key (after a key rotation)."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db import transaction

from kefu.audit.actions import record as audit
from kefu.audit.models import AuditAction
from kefu.interactions.models import Conversation, Customer, Message, PersonalKey
from kefu.interactions.personal import forget_declared_paths, reseal

BATCH = 2000
# model → (extra field, section of the record it belongs to)
STORED_EXTRAS = [
    (Customer, [("extra", "customer")]),
    (
        Conversation,
        [("extra", "conversation"), ("survey_extra", "survey"), ("order_extra", "order")],
    ),
    (Message, [("extra", "message")]),
]


def apply_declared_keys(batch: int = BATCH) -> dict[str, int]:
    """Seal, with the current key, every stored extra value at a declared key; the
    number of rows rewritten per table. Rows without extra data are not read."""
    forget_declared_paths()
    counts: dict[str, int] = {}
    for model, fields in STORED_EXTRAS:
        names = [name for name, _ in fields]
        rows = model.objects.order_by("pk").only("pk", *names)
        if model is Message:  # most messages have no extra data (SQL NULL)
            rows = rows.filter(extra__isnull=False)
        last, changed = 0, 0
        while True:
            chunk = list(rows.filter(pk__gt=last)[:batch])
            if not chunk:
                break
            last = chunk[-1].pk
            dirty = []
            for row in chunk:
                touched = False
                for name, section in fields:
                    value = getattr(row, name)
                    if not value:
                        continue
                    sealed = reseal(section, value)
                    if sealed != value:
                        setattr(row, name, sealed)
                        touched = True
                if touched:
                    dirty.append(row)
            if dirty:
                with transaction.atomic():
                    model.objects.bulk_update(dirty, names)
                changed += len(dirty)
        counts[model._meta.model_name] = changed
    return counts


class Command(BaseCommand):
    help = (
        "List the extra keys declared personal (admin: 个人数据键); --apply encrypts the "
        "values already stored at them and re-encrypts sealed values with the current key."
    )

    def add_arguments(self, parser):
        parser.add_argument("--apply", action="store_true")
        parser.add_argument("--batch", type=int, default=BATCH)

    def handle(self, *args, **options):
        for key in PersonalKey.objects.all():
            self.stdout.write(key.path)
        if not options["apply"]:
            return
        counts = apply_declared_keys(options["batch"])
        audit(
            AuditAction.CHANGE_SETTINGS,
            actor="cli",
            object_type="personal_keys",
            object_id="apply",
            detail=counts,
        )
        self.stderr.write("sealed: " + ", ".join(f"{table} {n}" for table, n in counts.items()))
