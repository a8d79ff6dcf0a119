"""Balanced assignment of reviews to QA specialists.

Each task goes to the specialist with the fewest open reviews at that moment (their
existing queue counts), ties broken by id so the result is deterministic. A specialist
at capacity takes nothing more; a task whose only possible reviewers are in conflict
(e.g. the reviewer is the agent reviewed) or full stays unassigned, for a person to
handle, rather than overloading somebody.
"""

from __future__ import annotations

import heapq
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Reviewer:
    id: int
    open: int = 0  # reviews already in their queue
    capacity: int | None = None  # most open reviews at once; None = no limit


def balance(
    tasks: Sequence[Hashable],
    reviewers: Sequence[Reviewer],
    conflicts: Mapping[Hashable, set[int]] | None = None,
) -> dict[Hashable, int | None]:
    """{task: reviewer id or None}, in the order of `tasks`."""
    conflicts = conflicts or {}
    heap = [(r.open, r.id) for r in reviewers if r.capacity is None or r.open < r.capacity]
    heapq.heapify(heap)
    caps = {r.id: r.capacity for r in reviewers}
    result: dict[Hashable, int | None] = {}
    for task in tasks:
        banned = conflicts.get(task, set())
        skipped = []
        chosen = None
        while heap:
            load, rid = heapq.heappop(heap)
            if rid in banned:
                skipped.append((load, rid))
                continue
            chosen = rid
            load += 1
            cap = caps[rid]
            if cap is None or load < cap:
                heapq.heappush(heap, (load, rid))
            break
        for entry in skipped:
            heapq.heappush(heap, entry)
        result[task] = chosen
    return result
