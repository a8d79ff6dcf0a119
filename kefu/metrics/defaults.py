"""The seeds' department targets and industry benchmark sets, for a department that has
none (a fresh install gets them from migration metrics/0002; the demo calls this so a
demo database, even one flushed by tests, always has them)."""

from __future__ import annotations

from kefu.metrics.core.catalogue import DEFAULT_BENCHMARKS, DEFAULT_TARGETS
from kefu.metrics.models import BenchmarkSet, BenchmarkValue, Target


def ensure_defaults() -> bool:
    """Create the defaults when there are no targets and no benchmark sets at all (a
    manager's own choices, including deletions, are never overwritten). Returns whether
    anything was created."""
    if Target.objects.exists() or BenchmarkSet.objects.exists():
        return False
    Target.objects.bulk_create(
        [Target(key=key, value=value) for key, value in DEFAULT_TARGETS.items()]
    )
    for slug, (name, values) in DEFAULT_BENCHMARKS.items():
        benchmark = BenchmarkSet.objects.create(slug=slug, name=name)
        BenchmarkValue.objects.bulk_create(
            [BenchmarkValue(benchmark=benchmark, key=k, value=v) for k, v in values.items()]
        )
    return True
