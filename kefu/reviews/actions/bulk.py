"""Bulk assignment (批量分配): many open reviews to one QA specialist, or spread evenly
(round robin) over several.

Each row goes through `reassign` (the single-row action: its checks, audit entry and
notification) in a transaction of its own, so a refused row is reported by id and the
others are still assigned. A review already with the specialist (or, spread over
several, with one of them) is left as it is: running the same assignment twice changes
nothing. Only the reviews the user may see count (others are reported as not found,
their existence not revealed); only active QA specialists may be chosen.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext_noop

from kefu.accounts.access import own_agent_id
from kefu.accounts.roles import MANAGE_SAMPLING, REVIEW
from kefu.audit.actions import record as audit
from kefu.lib.errors import ActionError, Invalid
from kefu.reviews.actions._common import AUDIT, _require
from kefu.reviews.actions.sampling import reassign
from kefu.reviews.choices import OPEN_STATUSES
from kefu.reviews.selectors import reviews_visible_to

MAX_ROWS = 500  # one request assigns at most this many reviews

# Why a row was skipped (English msgids; the pages translate them).
NOT_FOUND = gettext_noop("not found")
ALREADY = gettext_noop("already assigned to this QA specialist")
FINISHED = gettext_noop("a finished review cannot be reassigned")
OWN = gettext_noop("nobody reviews their own conversation")


@dataclass
class BulkResult:
    assigned: list[int] = field(default_factory=list)
    skipped: dict[int, str] = field(default_factory=dict)  # review id → reason (msgid)

    def reasons(self) -> dict[str, list[int]]:
        """Skipped ids grouped by reason, in the order first met."""
        grouped: dict[str, list[int]] = {}
        for rid, reason in self.skipped.items():
            grouped.setdefault(reason, []).append(rid)
        return grouped


def _ids(values: Iterable) -> list[int]:
    ids: list[int] = []
    for value in values:
        try:
            n = int(value)
        except (TypeError, ValueError):
            continue
        if n > 0 and n not in ids:
            ids.append(n)
    return ids


def bulk_assign(review_ids: Iterable, reviewers: Sequence, *, by) -> BulkResult:
    """Assign the reviews to `reviewers` (one: all to them; several: evenly, in turn,
    never somebody to their own conversation)."""
    _require(by, MANAGE_SAMPLING)
    ids = _ids(review_ids)
    if not ids:
        raise Invalid("choose at least one review")
    if len(ids) > MAX_ROWS:
        raise Invalid("too many reviews at once")
    pool = list({u.pk: u for u in reviewers}.values())
    if not pool:
        raise Invalid("choose at least one QA specialist")
    if any(not u.is_active or not u.has_perm(REVIEW) for u in pool):
        raise Invalid("the new reviewer is not a QA specialist")
    pool_ids = {u.pk for u in pool}
    agent_of = {u.pk: own_agent_id(u) for u in pool}
    rows = {
        r.pk: r for r in reviews_visible_to(by).filter(pk__in=ids).select_related("conversation")
    }
    result = BulkResult()
    batch: Counter[int] = Counter()
    for rid in ids:
        review = rows.get(rid)
        if review is None:
            result.skipped[rid] = NOT_FOUND
            continue
        if review.reviewer_id in pool_ids and review.status in OPEN_STATUSES:
            result.skipped[rid] = ALREADY  # idempotent: nothing changes
            continue
        if review.status not in OPEN_STATUSES:
            result.skipped[rid] = FINISHED
            continue
        free = [u for u in pool if review.agent_id is None or agent_of[u.pk] != review.agent_id]
        if not free:
            result.skipped[rid] = OWN
            continue
        # round robin: the one given the fewest of this batch, in the order chosen
        target = min(free, key=lambda u: (batch[u.pk], pool.index(u)))
        try:
            with transaction.atomic():
                reassign(review, target, by=by)
        except ActionError as exc:
            result.skipped[rid] = exc.detail
            continue
        batch[target.pk] += 1
        result.assigned.append(rid)
    audit(
        AUDIT,
        user=by,
        object_type="reviews.bulk_assign",
        object_id="",
        detail={
            "reviewers": sorted(pool_ids),
            "assigned": result.assigned,
            "skipped": {str(k): v for k, v in result.skipped.items()},
        },
    )
    return result
