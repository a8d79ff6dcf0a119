"""A rate's 95 % interval, shared by the apps' cores (performance reviews, win-back lists).

- `wilson(k, n)`: the Wilson score interval of k/n (stays inside 0–1 and is sane for
  k = 0 or k = n, unlike the normal approximation).
- `newcombe(k1, n1, k2, n2)`: the interval of the difference of two independent rates
  k1/n1 − k2/n2 from their Wilson intervals (Newcombe 1998, method 10, the "hybrid
  score"): good coverage for small groups, where the Wald interval is far too narrow.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

Z95 = 1.959963984540054


@dataclass(frozen=True, slots=True)
class Estimate:
    """A figure, how many observations it rests on, and its 95 % interval (None when
    there are too few observations to say)."""

    value: float | None
    n: int
    low: float | None = None
    high: float | None = None

    @property
    def width(self) -> float | None:
        if self.low is None or self.high is None:
            return None
        return self.high - self.low


NOTHING = Estimate(None, 0)


def wilson(successes: int, n: int, z: float = Z95) -> Estimate:
    """A rate k/n with its Wilson score interval."""
    if n <= 0:
        return NOTHING
    if not 0 <= successes <= n:
        raise ValueError(f"successes must be within 0..{n}, got {successes}")
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return Estimate(p, n, max(0.0, centre - half), min(1.0, centre + half))


def newcombe(k1: int, n1: int, k2: int, n2: int, z: float = Z95) -> Estimate:
    """The difference k1/n1 − k2/n2 with Newcombe's hybrid score interval; NOTHING when
    either group is empty. `n` is the smaller group's size."""
    first, second = wilson(k1, n1, z), wilson(k2, n2, z)
    if first.value is None or second.value is None:
        return NOTHING
    assert first.low is not None and first.high is not None
    assert second.low is not None and second.high is not None
    p1, p2 = first.value, second.value
    diff = p1 - p2
    low = diff - math.sqrt((p1 - first.low) ** 2 + (second.high - p2) ** 2)
    high = diff + math.sqrt((first.high - p1) ** 2 + (p2 - second.low) ** 2)
    return Estimate(diff, min(n1, n2), max(-1.0, low), min(1.0, high))
