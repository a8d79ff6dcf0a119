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
so the cost is O(max N) vector steps instead of pyworkforce's O(N²) per interval; the
metrics of the candidate server counts are then computed as one matrix (`_search`).
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


def _distinct_inputs(**named: float | np.ndarray) -> tuple[tuple[int, ...], np.ndarray, np.ndarray]:
    """(the broadcast shape, the distinct input rows, each input's row): every
    combination of inputs is solved once. Like np.unique(axis=0) on the broadcast table,
    which sorts rows as raw bytes and is 20× slower: scalar and constant inputs are left
    out of the comparison, one varying input is sorted on its own, several are coded by
    their own 1-D unique and combined into one integer key."""
    arrays = [np.asarray(v, dtype=float) for v in named.values()]
    shape = np.broadcast_shapes(*(a.shape for a in arrays))
    size = math.prod(shape)
    if size == 0:
        return shape, np.empty((0, len(arrays))), np.zeros(0, dtype=np.int64)
    varying = [i for i, a in enumerate(arrays) if a.size > 1 and a.min() != a.max()]
    columns = {i: np.broadcast_to(arrays[i], shape).ravel() for i in varying}
    if not varying:
        rows, inverse = np.empty((1, len(arrays))), np.zeros(size, dtype=np.int64)
    elif len(varying) == 1:
        (i,) = varying
        values = np.unique(columns[i])
        inverse = np.searchsorted(values, columns[i])
        rows = np.empty((len(values), len(arrays)))
        rows[:, i] = values
    else:
        key = np.zeros(size, dtype=np.int64)
        radix = 1
        for i in varying:
            values, codes = np.unique(columns[i], return_inverse=True)
            if radix * len(values) >= 2**62:  # too many combinations to code: renumber
                key = np.unique(key, return_inverse=True)[1].ravel().astype(np.int64)
                radix = int(key.max()) + 1
            key = key * len(values) + codes.ravel()
            radix *= len(values)
        first, inverse = np.unique(key, return_index=True, return_inverse=True)[1:]
        rows = np.empty((len(first), len(arrays)))
        for i in varying:
            rows[:, i] = columns[i][first]
    for i, a in enumerate(arrays):
        if i not in columns:
            rows[:, i] = a.ravel()[0]
    return shape, rows, inverse.ravel()


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
    shape, unique, inverse = _distinct_inputs(
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
    _validate(unique, _REQUIRED_COLUMNS)
    # 1/B overflows to inf far beyond the traffic: B is then 0, which is right.
    with np.errstate(over="ignore"):
        solved = _solve_required(unique)
    return {key: values[inverse.ravel()].reshape(shape) for key, values in solved.items()}


def _metrics(
    n: np.ndarray | np.float64, inv_b: np.ndarray, a: np.ndarray, aht: np.ndarray, t: np.ndarray
):
    """(Pw, SL, ASA) for n servers (> A) from 1/B(n); the same operations, in the same
    order, as the textbook formula, so results agree with other implementations to the
    last bits."""
    b = 1 / inv_b
    pw = n * b / (n - a * (1 - b))
    sl = np.maximum(0, 1 - (pw * np.exp(-(n - a) * (t / aht))))
    asa = pw * aht / (n - a)
    return pw, sl, asa


_WINDOW = 24  # candidate server counts examined at once per input (more if none meets)
_BUDGET = 1 << 21  # floats of 1/B kept at once (16 MB); more inputs are taken in chunks


def _walk(a: np.ndarray, low: int, high: int) -> np.ndarray:
    """1/B(n) for n = low … high (rows) of every input (columns): the recursion walks
    all inputs together, one vector step per n, in place."""
    inv_b = np.ones(len(a))
    out = np.empty((high - low + 1, len(a)))
    for n in range(1, high + 1):
        np.multiply(inv_b, n, out=inv_b)
        np.divide(inv_b, a, out=inv_b)
        np.add(inv_b, 1, out=inv_b)
        if n >= low:
            out[n - low] = inv_b
    return out


def _inv_b_at(a: np.ndarray, servers: np.ndarray) -> np.ndarray:
    """1/B(servers) for every input (only the value asked is kept: these may be far apart)."""
    inv_b, out = np.ones(len(a)), np.ones(len(a))
    for n in range(1, int(servers.max(initial=0)) + 1):
        np.multiply(inv_b, n, out=inv_b)
        np.divide(inv_b, a, out=inv_b)
        np.add(inv_b, 1, out=inv_b)
        at = servers == n
        out[at] = inv_b[at]
    return out


def _search(
    a: np.ndarray,
    k: np.ndarray,
    aht: np.ndarray,
    target: np.ndarray,
    sl_target: np.ndarray,
    max_asa: np.ndarray,
    first: np.ndarray,
    limit: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(servers, Pw, SL, ASA) of the fewest servers from `first` on, in steps of k, that
    meet the targets: 1/B at `_WINDOW` candidates per input, their metrics as one matrix
    computation, the first that meets; inputs without one go on with the next window."""
    servers = np.zeros(len(a), dtype=np.int64)
    out_pw, out_sl, out_asa = np.zeros(len(a)), np.ones(len(a)), np.zeros(len(a))
    pending = np.arange(len(a))
    while pending.size:
        if int(first[pending].min()) > limit:
            raise ValueError("the service-level target cannot be reached")
        p = pending
        steps = first[p, None] + np.arange(_WINDOW) * k[p, None]
        low = int(steps.min())
        table = _walk(a[p], low, int(steps.max()))[steps - low, np.arange(len(p))[:, None]]
        pw, sl, asa = _metrics(steps.astype(np.float64), table, a[p, None], aht[p, None],
                               target[p, None])  # fmt: skip
        meets = (sl >= sl_target[p, None]) & (asa <= max_asa[p, None])
        found = meets.any(axis=1)
        column = meets.argmax(axis=1)[found]
        hit = p[found]
        servers[hit] = steps[found, column]
        out_pw[hit], out_sl[hit], out_asa[hit] = (
            pw[found, column], sl[found, column], asa[found, column]
        )  # fmt: skip
        pending = p[~found]
        first[pending] += _WINDOW * k[pending]
    return servers, out_pw, out_sl, out_asa


def _solve_required(rows: np.ndarray) -> dict[str, np.ndarray]:
    """The search of every distinct input at once (see `_search`), in chunks of inputs
    with similar traffic so that the 1/B kept stays within `_BUDGET`."""
    volume, interval_s, aht, target, sl_target, shrinkage, max_occ, conc, max_asa = rows.T
    k = conc.astype(np.int64)
    a = volume / interval_s * aht
    count = len(a)
    servers = np.zeros(count, dtype=np.int64)
    out_sl = np.ones(count)
    out_pw = np.zeros(count)
    out_asa = np.zeros(count)
    # Zero traffic needs nobody; the others search from the fewest whole agents above A.
    live = np.flatnonzero(a > 0)
    first = (np.floor(a / k).astype(np.int64) + 1) * k
    first = np.where(first - k > a, first - k, first)  # float noise in a / k
    first = np.where(first > a, first, first + k)
    limit = int(np.max(a[live], initial=0)) + _MAX_EXTRA_SERVERS
    live = live[np.argsort(first[live], kind="stable")]
    ordered, width = first[live], _WINDOW * int(k.max(initial=1))
    start = 0
    while start < len(live):
        # The most inputs from `start` whose window of 1/B fits the budget (bisection).
        low, high = start + 1, len(live)
        while low < high:
            mid = (low + high + 1) // 2
            fits = (mid - start) * (int(ordered[mid - 1] - ordered[start]) + width) <= _BUDGET
            low, high = (mid, high) if fits else (low, mid - 1)
        stop = low
        part = live[start:stop]
        s_, pw_, sl_, asa_ = _search(
            a[part], k[part], aht[part], target[part], sl_target[part], max_asa[part],
            first[part].copy(), limit,
        )  # fmt: skip
        servers[part], out_pw[part], out_sl[part], out_asa[part] = s_, pw_, sl_, asa_
        start = stop
    # Occupancy cap: at least A / cap servers (whole agents); the metrics are then those
    # of the larger staffing.
    capped = np.flatnonzero((servers > 0) & (a / np.maximum(servers, 1) > max_occ))
    if capped.size:
        ka = k[capped]
        cap = np.ceil(a[capped] / max_occ[capped] / ka - _EPS).astype(np.int64) * ka
        pw, sl, asa = _metrics(
            cap.astype(np.float64), _inv_b_at(a[capped], cap), a[capped], aht[capped],
            target[capped],
        )  # fmt: skip
        servers[capped] = cap
        out_sl[capped], out_pw[capped], out_asa[capped] = sl, pw, asa
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
    shape, unique, inverse = _distinct_inputs(
        agents=agents,
        volume=volume,
        interval_s=interval_s,
        aht_s=aht_s,
        target_s=target_s,
        concurrency=concurrency,
    )
    _validate(unique, _EVALUATE_COLUMNS)
    unique[:, 0] = np.floor(unique[:, 0] + _EPS)
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
