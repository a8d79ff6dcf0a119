"""Drawing an attempt's questions from a bank (pure; no Django).

An exam is a list of parts, each "N questions of this area, difficulty and type" (a blank
criterion matches any). Each attempt draws its own questions with a random generator
seeded for that attempt, so two agents (or two attempts) get different papers, and the
same seed always gives the same paper (the tests, and an audit of a disputed paper).

How: the candidates are sorted by id and shuffled once per part with the seeded
generator; each slot of a part takes the first candidate of its shuffled pool that no
other slot holds (a uniform random choice among the free ones). When a part finds no
free candidate because an earlier, overlapping part took the ones it needed, the slots
are re-matched along an augmenting path (Kuhn's bipartite matching): a paper is refused
(`Shortfall`) only when no assignment of distinct questions to the parts exists. A
question is never drawn twice in one paper. The paper lists the parts in their order,
each part's questions in their drawn order.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

MAX_QUESTIONS = 200  # per paper: a longer exam is a mistake in the parts


@dataclass(frozen=True, slots=True)
class Candidate:
    """One active question of the bank."""

    id: int
    area: str | None  # the area's code
    difficulty: int
    kind: str


@dataclass(frozen=True, slots=True)
class Part:
    """Draw `count` questions matching every criterion given (None: any)."""

    count: int
    area: str | None = None
    difficulty: int | None = None
    kind: str | None = None

    def matches(self, q: Candidate) -> bool:
        return (
            (self.area is None or q.area == self.area)
            and (self.difficulty is None or q.difficulty == self.difficulty)
            and (self.kind is None or q.kind == self.kind)
        )


class Shortfall(ValueError):
    """The bank cannot fill the parts with distinct questions."""

    def __init__(self, part: int, wanted: int, available: int) -> None:
        super().__init__(f"part {part + 1}: {wanted} wanted, {available} available")
        self.part = part  # 0-based index of the first part that cannot be filled
        self.wanted = wanted
        self.available = available


def available(candidates: Sequence[Candidate], part: Part) -> int:
    """How many questions of the bank match one part (ignoring the other parts)."""
    return sum(1 for q in candidates if part.matches(q))


def draw(candidates: Sequence[Candidate], parts: Sequence[Part], seed: int) -> list[int]:
    """The question ids of one paper (see the module docstring); raises Shortfall."""
    if sum(p.count for p in parts) > MAX_QUESTIONS:
        raise ValueError(f"a paper holds at most {MAX_QUESTIONS} questions")
    rng = random.Random(seed)
    ordered = sorted(candidates, key=lambda q: q.id)
    pools: list[list[int]] = []
    for part in parts:
        pool = [q.id for q in ordered if part.matches(q)]
        rng.shuffle(pool)
        pools.append(pool)
    slot_part = [i for i, part in enumerate(parts) for _ in range(part.count)]
    holder: dict[int, int] = {}  # question id → slot

    def augment(slot: int, seen: set[int]) -> bool:
        # Kuhn: take a question held by another slot if that slot can move elsewhere.
        for qid in pools[slot_part[slot]]:
            if qid in seen:
                continue
            seen.add(qid)
            if qid not in holder or augment(holder[qid], seen):
                holder[qid] = slot
                return True
        return False

    for slot, part_index in enumerate(slot_part):
        free = next((qid for qid in pools[part_index] if qid not in holder), None)
        if free is not None:
            holder[free] = slot
        elif not augment(slot, set()):
            part = parts[part_index]
            raise Shortfall(part_index, part.count, len(pools[part_index]))
    by_slot = {slot: qid for qid, slot in holder.items()}
    return [by_slot[slot] for slot in range(len(slot_part))]
