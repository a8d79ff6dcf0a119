"""Predicted service for a roster: per interval, from the agents on duty, the forecast
volume and the channel's parameters, through our Erlang C.

Agents on duty are the roster's (on shift, not on break); shrinkage (absence, training,
meetings: what the roster does not show) takes its share, rounded down to whole agents.
The share of first responses over 30 s is 1 − SL(30 s): Erlang C's chance that a contact
waits longer than 30 s for its first answer. The share over the channel's SLA target is
1 − SL(target) with the first-response target of the channel's service-level policy (24 h
for e-mail, 20 s for phone…), the KPI `frt_over_target_rate` predicted. The target is taken
in calendar seconds: a policy judged in business hours is predicted as if always open.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from kefu.metrics.core.kpis import FRT_THRESHOLD_S
from kefu.workforce.core.erlang import evaluate_many


@dataclass(frozen=True, slots=True)
class ChannelParameters:
    aht_s: float
    target_s: float
    sl_target: float
    shrinkage: float = 0.0
    max_occupancy: float = 1.0
    concurrency: int = 1
    interval_s: float = 1800.0
    # the first-response target of the channel's SLA policy (None: the channel has none)
    sla_target_s: float | None = None


def predict(
    on_duty: Sequence[float], volume: Sequence[float], params: ChannelParameters
) -> dict[str, Any]:
    """Per interval: `service_level` (at the channel's target time), `frt_over_30s_rate`,
    `frt_over_target_rate` (None without an SLA target), `asa_s` (None when the queue would
    grow without bound), `occupancy`, and the volume-weighted totals under `total_*`."""
    agents = np.floor(np.asarray(on_duty, dtype=float) * (1 - params.shrinkage) + 1e-9)
    volumes = np.asarray(volume, dtype=float)

    def evaluate(target_s: float) -> dict[str, np.ndarray]:
        return evaluate_many(
            agents,
            volumes,
            target_s=target_s,
            interval_s=params.interval_s,
            aht_s=params.aht_s,
            concurrency=params.concurrency,
        )

    weight = volumes.sum()

    def total(per_interval: np.ndarray) -> float | None:
        return float((per_interval * volumes).sum() / weight) if weight else None

    at_target = evaluate(params.target_s)
    over_30 = 1 - evaluate(FRT_THRESHOLD_S)["service_level"]
    over_sla = None
    if params.sla_target_s is not None:
        over_sla = 1 - evaluate(params.sla_target_s)["service_level"]
    asa = [None if not np.isfinite(v) else float(v) for v in at_target["asa_s"]]
    return {
        "service_level": [float(v) for v in at_target["service_level"]],
        "frt_over_30s_rate": [float(v) for v in over_30],
        "frt_over_target_rate": [None] * len(volumes)
        if over_sla is None
        else [float(v) for v in over_sla],
        "asa_s": asa,
        "occupancy": [float(v) for v in at_target["occupancy"]],
        "total_service_level": total(at_target["service_level"]),
        "total_frt_over_30s_rate": total(over_30),
        "total_frt_over_target_rate": None if over_sla is None else total(over_sla),
    }
