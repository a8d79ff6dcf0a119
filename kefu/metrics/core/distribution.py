"""First response times of a roll-up cell, kept exactly as a {value: count} multiset.

Percentiles cannot be added up like sums, so each stored daily cell keeps its FRT
multiset packed into bytes: the distinct values (float64) followed by their counts
(uint32). Merging cells adds counts; `kpis.percentile_of_counts` reads the result.
"""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Iterable, Mapping


def pack(counts: Mapping[float, int]) -> bytes:
    values = sorted(counts)
    return array("d", values).tobytes() + array("I", (counts[v] for v in values)).tobytes()


def unpack(blob: bytes | memoryview | None) -> tuple[array, array]:
    if not blob:
        return array("d"), array("I")
    blob = bytes(blob)
    n = len(blob) // 12
    values, counts = array("d"), array("I")
    values.frombytes(blob[: 8 * n])
    counts.frombytes(blob[8 * n :])
    return values, counts


def merge_into(counter: Counter, blob: bytes | memoryview | None) -> None:
    values, counts = unpack(blob)
    for value, count in zip(values, counts, strict=True):
        counter[value] += count


def merged(blobs: Iterable[bytes | memoryview | None]) -> Counter:
    counter: Counter = Counter()
    for blob in blobs:
        merge_into(counter, blob)
    return counter
