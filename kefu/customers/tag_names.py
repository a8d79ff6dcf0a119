"""The names of each customer's tags, copied onto `interactions.Customer.tags`.

Tags belong to this app; the apps below it (service-level policies matched on a customer
tag: the KPI facts, QA, the live console) may not import it, so every write of tag links
(`actions.add_tag` / `remove_tag` / `delete_tag`, the rule tags of `refresh`) ends with
`sync(customer_ids)`, which rewrites the copy from the links.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from kefu.bulk import chunks, where_in
from kefu.customers.models import CustomerTag
from kefu.interactions.models import Customer

CHUNK = 5000


def names_of(customer_ids: Iterable[int]) -> dict[int, list[str]]:
    """{customer id: sorted distinct tag names} from the tag links."""
    out: dict[int, set[str]] = defaultdict(set)
    for chunk in chunks(sorted(set(customer_ids)), CHUNK):
        links = where_in(CustomerTag.objects.all(), "customer_id", chunk)
        for customer_id, name in links.values_list("customer_id", "tag__name"):
            out[customer_id].add(name)
    return {customer_id: sorted(names) for customer_id, names in out.items()}


def sync(customer_ids: Iterable[int]) -> int:
    """Rewrite `Customer.tags` of these customers where it differs from their links;
    returns how many changed."""
    changed = 0
    for chunk in chunks(sorted(set(customer_ids)), CHUNK):
        wanted = names_of(chunk)
        stale = [
            Customer(pk=pk, tags=wanted.get(pk, []))
            for pk, tags in where_in(Customer.objects.all(), "id", chunk).values_list("pk", "tags")
            if (tags or []) != wanted.get(pk, [])
        ]
        Customer.objects.bulk_update(stale, ["tags"], batch_size=1000)
        changed += len(stale)
    return changed
