"""Score distributions for the calibration meeting: a box per team and a histogram.

Quartiles by linear interpolation between order statistics (the "inclusive" method,
numpy's default): Q1, median and Q3 of 1, 2, 3, 4 are 1.75, 2.5, 3.25. Whiskers at the
lowest and highest score (no outlier rule: with a dozen agents per team every score is
someone the meeting should see). Histogram bins of `width` points, left-closed, the last
one closed on 100: [0, 5), [5, 10), …, [95, 100].
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

TOP = 100.0


@dataclass(frozen=True)
class Box:
    n: int
    low: float
    q1: float
    median: float
    q3: float
    high: float
    mean: float

    def as_list(self) -> list[float]:
        """[low, Q1, median, Q3, high]: ECharts' boxplot data item."""
        return [self.low, self.q1, self.median, self.q3, self.high]


def box(values: Sequence[float]) -> Box | None:
    data = sorted(v for v in values if math.isfinite(v))
    if not data:
        return None
    if len(data) == 1:
        only = data[0]
        return Box(1, only, only, only, only, only, only)
    q1, median, q3 = statistics.quantiles(data, n=4, method="inclusive")
    return Box(len(data), data[0], q1, median, q3, data[-1], statistics.fmean(data))


def histogram(values: Sequence[float], width: float = 5.0) -> list[tuple[float, int]]:
    """(bin's lower bound, count) for every bin from 0 to 100."""
    if width <= 0:
        raise ValueError("width must be above 0")
    bins = math.ceil(TOP / width)
    counts = [0] * bins
    for value in values:
        if not math.isfinite(value):
            continue
        index = min(bins - 1, max(0, int(value // width)))
        counts[index] += 1
    return [(i * width, count) for i, count in enumerate(counts)]
