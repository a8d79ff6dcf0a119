"""The monthly Top-N problems as a Pareto table: counts in falling order, each problem's
share and the cumulative share, and the change against the previous month.

share = count ÷ all classified complaints of the month; cumulative share = the running
sum of the shares in falling order; change = count − the problem's count in the previous
month (and its relative change when the previous count is above zero). Ties are broken
by name so the order is stable.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class ParetoRow:
    rank: int
    problem: str
    count: int
    share: float  # of all the month's classified complaints, 0–1
    cumulative: float  # running share in falling order, 0–1
    previous: int  # the same problem's count in the previous month
    change: int  # count − previous
    relative_change: float | None  # change ÷ previous; None when previous is 0


@dataclass(frozen=True)
class Pareto:
    total: int
    previous_total: int
    rows: tuple[ParetoRow, ...]  # the top N
    others: int  # complaints of problems outside the top N

    @property
    def top_share(self) -> float:
        return self.rows[-1].cumulative if self.rows else 0.0


def pareto(
    counts: Mapping[str, int], previous: Mapping[str, int] | None = None, top: int = 5
) -> Pareto:
    """The top `top` problems of `counts` (problem → complaints this month)."""
    previous = previous or {}
    total = sum(counts.values())
    ordered = sorted(((n, p) for p, n in counts.items() if n > 0), key=lambda x: (-x[0], x[1]))
    rows: list[ParetoRow] = []
    running = 0
    for rank, (count, problem) in enumerate(ordered[:top], 1):
        running += count
        before = previous.get(problem, 0)
        rows.append(
            ParetoRow(
                rank=rank,
                problem=problem,
                count=count,
                share=count / total,
                cumulative=running / total,
                previous=before,
                change=count - before,
                relative_change=(count - before) / before if before else None,
            )
        )
    return Pareto(
        total=total,
        previous_total=sum(previous.values()),
        rows=tuple(rows),
        others=total - running,
    )
