"""Erlang C staffing, written here (no third-party queueing code).

Model: M/M/N. Contacts arrive at random (Poisson) during an interval, handle times are
exponential with mean AHT, callers wait in one queue. With traffic intensity
A = volume / interval × AHT (Erlangs) and N servers:

- Erlang B by the stable recursion 1/B(n) = 1 + n / A · 1/B(n−1), 1/B(0) = 1
  (no factorials or powers, so no overflow however big the traffic);
- waiting probability  Pw = N·B / (N − A·(1 − B))                (Erlang C);
- service level        SL(t) = 1 − Pw · exp(−(N − A) · t / AHT);
- average speed of answer ASA = Pw · AHT / (N − A);
- occupancy            A / N.

Chat concurrency k: an agent works k chats at once, so N agents are k·N servers and AHT
is a chat's handle time measured while working k at once (the usual multi-slot
approximation: it assumes a chat does not slow down further with the others).

The requirement is the fewest agents with SL ≥ target (and ASA ≤ a cap if one is given),
then raised to A / occupancy cap, then divided by (1 − shrinkage).

`required_many` computes thousands of intervals at once: identical inputs are solved
once (a year of 30-minute intervals has a few hundred distinct volumes) and the
recursion walks all remaining inputs together with numpy, one server count per step,
so the cost is O(max N) vector steps instead of pyworkforce's O(N²) per interval.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

# Guards against a target no finite staffing reaches (the recursion would walk on).
_MAX_EXTRA_SERVERS = 10_000
# Float noise: 21 / (1 − 0.3) is 30.000000000000004 and must not become 31 agents.
_EPS = 1e-9


# What `kefu wfm erlang` and POST /api/v1/wfm/erlang answer, in this order (the issue's).
ANSWER_KEYS = (
    "raw_positions",
    "positions",
    "service_level",
    "waiting_probability",
    "asa_s",
    "occupancy",
)


@dataclass(frozen=True, slots=True)
class Staffing:
    """The requirement of one interval (agents, not servers, when concurrency > 1)."""

    raw_positions: int  # agents needed while available (before shrinkage)
    positions: int  # agents to schedule: raw / (1 − shrinkage), rounded up
    service_level: float  # share answered within the target time with raw_positions
    waiting_probability: float
    asa_s: float  # average speed of answer, seconds
    occupancy: float
    intensity: float  # Erlangs

    def as_dict(self) -> dict[str, float | int]:
        return asdict(self)


def intensity(volume: float, interval_s: float, aht_s: float) -> float:
    """Traffic in Erlangs (contacts × AHT / interval)."""
    return volume / interval_s * aht_s


def _check(name: str, values: np.ndarray, low: float, high: float, *, low_open: bool) -> None:
    bad = (values <= low if low_open else values < low) | (values > high) | np.isnan(values)
    if bad.any():
        value = values[bad][0]
        bracket = "(" if low_open else "["
        raise ValueError(f"{name} must be in {bracket}{low}, {high}], got {value}")


def _inputs(**named: float | np.ndarray) -> tuple[tuple[int, ...], np.ndarray]:
    arrays = np.broadcast_arrays(*[np.asarray(v, dtype=float) for v in named.values()])
    table = np.stack([a.ravel() for a in arrays], axis=1) if arrays[0].size else None
    if table is None:
        return arrays[0].shape, np.empty((0, len(named)))
    return arrays[0].shape, table


def _validate(table: np.ndarray, columns: tuple[str, ...]) -> None:
    limits = {
        "volume": (0, math.inf, False),
        "agents": (0, math.inf, False),
        "interval_s": (0, math.inf, True),
        "aht_s": (0, math.inf, True),
        "target_s": (0, math.inf, False),
        "sl_target": (0, 1, True),
        "shrinkage": (0, 0.99, False),
        "max_occupancy": (0, 1, True),
        "concurrency": (1, 100, False),
        "max_asa_s": (0, math.inf, True),
    }
    for i, name in enumerate(columns):
        low, high, low_open = limits[name]
        column = table[:, i]
        if name == "max_asa_s":
            column = column[np.isfinite(column)]
        _check(name, column, low, high, low_open=low_open)
    if "sl_target" in columns and (table[:, columns.index("sl_target")] >= 1).any():
        raise ValueError("sl_target must be below 1 (no finite staffing answers every contact)")
    if "concurrency" in columns:
        k = table[:, columns.index("concurrency")]
        if (k != np.floor(k)).any():
            raise ValueError("concurrency must be a whole number of chats")


_REQUIRED_COLUMNS = (
    "volume",
    "interval_s",
    "aht_s",
    "target_s",
    "sl_target",
    "shrinkage",
    "max_occupancy",
    "concurrency",
    "max_asa_s",
)


def required_many(
    volume: float | np.ndarray,
    *,
    interval_s: float | np.ndarray,
    aht_s: float | np.ndarray,
    target_s: float | np.ndarray,
    sl_target: float | np.ndarray,
    shrinkage: float | np.ndarray = 0.0,
    max_occupancy: float | np.ndarray = 1.0,
    concurrency: int | np.ndarray = 1,
    max_asa_s: float | np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """The requirement of every interval; inputs broadcast like numpy arrays. Returns
    arrays keyed like `Staffing` (raw_positions and positions are int arrays)."""
    shape, table = _inputs(
        volume=volume,
        interval_s=interval_s,
        aht_s=aht_s,
        target_s=target_s,
        sl_target=sl_target,
        shrinkage=shrinkage,
        max_occupancy=max_occupancy,
        concurrency=concurrency,
        max_asa_s=math.inf if max_asa_s is None else max_asa_s,
    )
    _validate(table, _REQUIRED_COLUMNS)
    unique, inverse = np.unique(table, axis=0, return_inverse=True)
    # 1/B overflows to inf far beyond the traffic: B is then 0, which is right.
    with np.errstate(over="ignore"):
        solved = _solve_required(unique)
    return {key: values[inverse.ravel()].reshape(shape) for key, values in solved.items()}


def _metrics(n: np.ndarray, inv_b: np.ndarray, a: np.ndarray, aht: np.ndarray, t: np.ndarray):
    """(Pw, SL, ASA) for n servers (> A) from 1/B(n); the same operations, in the same
    order, as the textbook formula, so results agree with other implementations to the
    last bits."""
    b = 1 / inv_b
    pw = n * b / (n - a * (1 - b))
    sl = np.maximum(0, 1 - (pw * np.exp(-(n - a) * (t / aht))))
    asa = pw * aht / (n - a)
    return pw, sl, asa


def _solve_required(rows: np.ndarray) -> dict[str, np.ndarray]:
    volume, interval_s, aht, target, sl_target, shrinkage, max_occ, conc, max_asa = rows.T
    k = conc.astype(np.int64)
    a = volume / interval_s * aht
    count = len(a)
    servers = np.zeros(count, dtype=np.int64)
    out_sl = np.ones(count)
    out_pw = np.zeros(count)
    out_asa = np.zeros(count)
    # Zero traffic needs nobody; everybody else walks n = 1, 2, … together.
    live = np.flatnonzero(a > 0)
    inv_b = np.ones(len(live))
    final = np.zeros(len(live), dtype=np.int64)  # 0 = still searching
    limit = int(np.max(a[live], initial=0)) + _MAX_EXTRA_SERVERS
    n = 0
    while live.size:
        n += 1
        if n > limit:
            raise ValueError("the service-level target cannot be reached")
        la, lk = a[live], k[live]
        inv_b = 1 + inv_b * n / la
        # Servers come in whole agents (k at a time) and must exceed the traffic.
        searching = (final == 0) & (n > la) & (n % lk == 0)
        reached = final == n
        look = searching | reached
        if not look.any():
            continue
        idx = np.flatnonzero(look)
        rows_ = live[idx]
        pw, sl, asa = _metrics(np.float64(n), inv_b[idx], la[idx], aht[rows_], target[rows_])
        meets = searching[idx] & (sl >= sl_target[rows_]) & (asa <= max_asa[rows_])
        # Occupancy cap: at least A / cap servers (whole agents).
        capped = meets & (la[idx] / n > max_occ[rows_])
        cap_servers = np.ceil(la[idx] / max_occ[rows_] / lk[idx] - _EPS).astype(np.int64) * lk[idx]
        final[idx[meets]] = np.where(capped[meets], cap_servers[meets], n)
        done = final[idx] == n
        if done.any():
            hit = rows_[done]
            servers[hit] = n
            out_sl[hit], out_pw[hit], out_asa[hit] = sl[done], pw[done], asa[done]
            keep = np.ones(len(live), dtype=bool)
            keep[idx[done]] = False
            live, inv_b, final = live[keep], inv_b[keep], final[keep]
    raw = servers // k
    positions = np.ceil(raw / (1 - shrinkage) - _EPS).astype(np.int64)
    with np.errstate(divide="ignore", invalid="ignore"):
        occupancy = np.where(servers > 0, a / np.maximum(servers, 1), 0.0)
    return {
        "raw_positions": raw,
        "positions": positions,
        "service_level": out_sl,
        "waiting_probability": out_pw,
        "asa_s": out_asa,
        "occupancy": occupancy,
        "intensity": a,
    }


def required(
    volume: float,
    *,
    interval_s: float,
    aht_s: float,
    target_s: float,
    sl_target: float,
    shrinkage: float = 0.0,
    max_occupancy: float = 1.0,
    concurrency: int = 1,
    max_asa_s: float | None = None,
) -> Staffing:
    """The requirement of one interval (see the module docstring)."""
    result = required_many(
        volume,
        interval_s=interval_s,
        aht_s=aht_s,
        target_s=target_s,
        sl_target=sl_target,
        shrinkage=shrinkage,
        max_occupancy=max_occupancy,
        concurrency=concurrency,
        max_asa_s=max_asa_s,
    )
    return Staffing(
        raw_positions=int(result["raw_positions"]),
        positions=int(result["positions"]),
        service_level=float(result["service_level"]),
        waiting_probability=float(result["waiting_probability"]),
        asa_s=float(result["asa_s"]),
        occupancy=float(result["occupancy"]),
        intensity=float(result["intensity"]),
    )


_EVALUATE_COLUMNS = ("agents", "volume", "interval_s", "aht_s", "target_s", "concurrency")


def evaluate_many(
    agents: float | np.ndarray,
    volume: float | np.ndarray,
    *,
    interval_s: float | np.ndarray,
    aht_s: float | np.ndarray,
    target_s: float | np.ndarray,
    concurrency: int | np.ndarray = 1,
) -> dict[str, np.ndarray]:
    """Service level, waiting probability, ASA and occupancy that `agents` available
    agents give (whole agents: fractions are rounded down). With no more servers than
    the traffic the queue grows without bound: SL 0, Pw 1, ASA inf, occupancy 1."""
    shape, table = _inputs(
        agents=agents,
        volume=volume,
        interval_s=interval_s,
        aht_s=aht_s,
        target_s=target_s,
        concurrency=concurrency,
    )
    _validate(table, _EVALUATE_COLUMNS)
    table[:, 0] = np.floor(table[:, 0] + _EPS)
    unique, inverse = np.unique(table, axis=0, return_inverse=True)
    with np.errstate(over="ignore"):
        solved = _solve_evaluate(unique)
    return {key: values[inverse.ravel()].reshape(shape) for key, values in solved.items()}


def _solve_evaluate(rows: np.ndarray) -> dict[str, np.ndarray]:
    agents, volume, interval_s, aht, target, conc = rows.T
    a = volume / interval_s * aht
    servers = (agents * conc).astype(np.int64)
    count = len(a)
    sl, pw, asa = np.ones(count), np.zeros(count), np.zeros(count)
    occupancy = np.zeros(count)
    overloaded = (a > 0) & (servers <= a)
    sl[overloaded], pw[overloaded], asa[overloaded] = 0.0, 1.0, math.inf
    occupancy[overloaded] = 1.0
    live = np.flatnonzero((a > 0) & ~overloaded)
    occupancy[live] = a[live] / servers[live]
    inv_b = np.ones(len(live))
    n = 0
    while live.size:
        n += 1
        inv_b = 1 + inv_b * n / a[live]
        done = servers[live] == n
        if done.any():
            hit = live[done]
            pw_, sl_, asa_ = _metrics(np.float64(n), inv_b[done], a[hit], aht[hit], target[hit])
            sl[hit], pw[hit], asa[hit] = sl_, pw_, asa_
            live, inv_b = live[~done], inv_b[~done]
    return {
        "service_level": sl,
        "waiting_probability": pw,
        "asa_s": asa,
        "occupancy": occupancy,
        "intensity": a,
    }


def evaluate(
    agents: int,
    volume: float,
    *,
    interval_s: float,
    aht_s: float,
    target_s: float,
    concurrency: int = 1,
) -> dict[str, float]:
    """`evaluate_many` for one interval."""
    result = evaluate_many(
        agents,
        volume,
        interval_s=interval_s,
        aht_s=aht_s,
        target_s=target_s,
        concurrency=concurrency,
    )
    return {key: float(value) for key, value in result.items()}
