"""Back-test of the risk score: does it foresee a complaint or an escalation?

Customers are scored as of a moment with their history before it (`risk.score`), and
the outcome is whether they complain or are escalated in the next `horizon`
(`risk.complained_or_escalated`). Measured here, in plain Python:

- ROC AUC (`roc_auc`: the Mann–Whitney statistic, ties counted half; checked against
  scikit-learn in the tests), precision and recall of the high label, a calibration
  table by score decile (observed rate beside the rate predicted by a one-variable
  logistic fit of the outcome on the score, made on the earlier window);
- a plain baseline: "complained before" (any complaint in the history) and the base rate;
- a logistic regression (statsmodels, weak ridge penalty) of the outcome on the same
  factor units, fitted on
  the earlier window (scored as of `as_of − horizon`, outcome up to `as_of`) and
  evaluated on the later one, turned into points (10 points double the odds) so it stays
  explainable. It is offered when its AUC beats the hand weights' by `MIN_GAIN`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from kefu.customers.core.risk import (
    FACTORS,
    HIGH,
    LOW,
    NORMAL,
    Contact,
    Weights,
    complained_or_escalated,
    features,
    label_of,
    units,
)

DECILES = 10
POINTS_TO_DOUBLE_ODDS = 10  # the fitted weights' scale: +10 points = odds × 2
MIN_GAIN = 0.01  # the fitted weights are offered when their AUC is at least this much higher
MAX_FITTED_POINTS = 100


# --- measures ------------------------------------------------------------------------------
def _midranks(scores: Sequence[float]) -> list[float]:
    """Ranks 1…n of the scores, ties sharing their mean rank."""
    order = sorted(range(len(scores)), key=scores.__getitem__)
    ranks = [0.0] * len(scores)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and scores[order[j + 1]] == scores[order[i]]:
            j += 1
        mid = (i + j) / 2 + 1
        for k in range(i, j + 1):
            ranks[order[k]] = mid
        i = j + 1
    return ranks


def roc_auc(scores: Sequence[float], outcomes: Sequence[bool]) -> float | None:
    """The area under the ROC curve: the chance that a random customer with the outcome
    scores higher than a random one without it (a tie counts half). None without both."""
    if len(scores) != len(outcomes):
        raise ValueError("scores and outcomes differ in length")
    positives = sum(1 for o in outcomes if o)
    negatives = len(outcomes) - positives
    if not positives or not negatives:
        return None
    ranks = _midranks(scores)
    rank_sum = sum(r for r, o in zip(ranks, outcomes, strict=True) if o)
    return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives)


@dataclass(frozen=True)
class Hits:
    flagged: int
    true_positives: int
    positives: int

    @property
    def precision(self) -> float | None:
        return self.true_positives / self.flagged if self.flagged else None

    @property
    def recall(self) -> float | None:
        return self.true_positives / self.positives if self.positives else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "flagged": self.flagged,
            "true_positives": self.true_positives,
            "precision": self.precision,
            "recall": self.recall,
        }


def hits(flags: Sequence[bool], outcomes: Sequence[bool]) -> Hits:
    return Hits(
        flagged=sum(1 for f in flags if f),
        true_positives=sum(1 for f, o in zip(flags, outcomes, strict=True) if f and o),
        positives=sum(1 for o in outcomes if o),
    )


def deciles(scores: Sequence[float]) -> list[int]:
    """Each score's decile 1…10 by rank, ties in one decile (so some may be empty)."""
    n = len(scores)
    return [min(DECILES, int(DECILES * (r - 0.5) / n) + 1) for r in _midranks(scores)]


def calibration(
    scores: Sequence[float], outcomes: Sequence[bool], predicted: Sequence[float] | None = None
) -> list[dict[str, Any]]:
    """One row per non-empty decile (1 = lowest scores): customers, score range, the
    predicted rate (mean of `predicted`, when given) and the observed rate."""
    groups: dict[int, list[int]] = {}
    for i, d in enumerate(deciles(scores)):
        groups.setdefault(d, []).append(i)
    rows = []
    for d in sorted(groups):
        members = groups[d]
        observed = sum(1 for i in members if outcomes[i]) / len(members)
        row: dict[str, Any] = {
            "decile": d,
            "customers": len(members),
            "min_score": min(scores[i] for i in members),
            "max_score": max(scores[i] for i in members),
            "observed": observed,
            "positives": sum(1 for i in members if outcomes[i]),
        }
        if predicted is not None:
            row["predicted"] = sum(predicted[i] for i in members) / len(members)
        rows.append(row)
    return rows


# --- logistic fits (statsmodels) --------------------------------------------------------------
def fit_logistic(rows: Sequence[Sequence[float]], outcomes: Sequence[bool]) -> list[float] | None:
    """Intercept and coefficients of a logistic regression (statsmodels GLM, binomial),
    with a weak ridge penalty: a normal prior of standard deviation 1 on each coefficient
    (not the intercept), the same as scikit-learn's `LogisticRegression(C=1)`. With rare
    outcomes a factor that no customer with the outcome shows would otherwise get an
    infinite weight (the maximum-likelihood fit does not converge). A column that never
    varies gets 0; None when the fit is impossible (one class only, a failed solver)."""
    import warnings

    import numpy as np
    import statsmodels.api as sm

    if not rows or len(set(outcomes)) < 2:
        return None
    x = np.asarray(rows, dtype=float)
    y = np.asarray(outcomes, dtype=float)
    varying = [j for j in range(x.shape[1]) if np.ptp(x[:, j]) > 0]
    design = sm.add_constant(x[:, varying], has_constant="add")
    # statsmodels minimises −loglike/n + Σ alpha·β²/2: alpha = 1/n is the prior above
    alpha = np.r_[0.0, np.full(len(varying), 1.0 / len(y))]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = sm.GLM(y, design, family=sm.families.Binomial())
            result = model.fit_regularized(alpha=alpha, L1_wt=0.0, opt_method="newton-cg")
    except Exception:  # a failed solver: no fit
        return None
    params = [float(p) for p in result.params]
    if not all(math.isfinite(p) for p in params):
        return None
    out = [params[0]] + [0.0] * x.shape[1]
    for k, j in enumerate(varying, start=1):
        out[j + 1] = params[k]
    return out


def logistic(intercept: float, slope: float, value: float) -> float:
    z = intercept + slope * value
    return 1 / (1 + math.exp(-z)) if z >= 0 else math.exp(z) / (1 + math.exp(z))


def points_from_coefficients(coefficients: Sequence[float]) -> dict[str, int]:
    """Fitted log-odds per unit as points: POINTS_TO_DOUBLE_ODDS points double the odds."""
    scale = POINTS_TO_DOUBLE_ODDS / math.log(2)
    return {
        code: max(-MAX_FITTED_POINTS, min(MAX_FITTED_POINTS, round(beta * scale)))
        for code, beta in zip(FACTORS, coefficients, strict=True)
    }


def threshold_for_share(scores: Sequence[int], share: float) -> int:
    """The smallest score cut whose share of scores at or above it is closest to `share`."""
    if not scores:
        return 0
    n = len(scores)
    best, best_gap = max(scores) + 1, share
    for cut in sorted(set(scores)):
        gap = abs(sum(1 for s in scores if s >= cut) / n - share)
        if gap < best_gap:
            best, best_gap = cut, gap
    return best


# --- the back-test ---------------------------------------------------------------------------
@dataclass
class Window:
    """Customers scored at one moment: their factor units, features and outcome."""

    as_of: datetime
    end: datetime
    units: list[list[float]]
    complained_before: list[bool]
    outcomes: list[bool]
    returns: list[bool]  # contacted again in the window (the outcome needs a contact)

    @property
    def customers(self) -> int:
        return len(self.outcomes)

    @property
    def positives(self) -> int:
        return sum(1 for o in self.outcomes if o)


def _window(
    histories: Sequence[Sequence[Contact]], as_of: datetime, end: datetime, weights: Weights
) -> Window:
    w = Window(as_of, end, [], [], [], [])
    for history in histories:
        f = features(history, as_of, weights)
        if not f.contacts:  # not a customer yet
            continue
        u = units(f, weights)
        w.units.append([u[code] for code in FACTORS])
        w.complained_before.append(any(c.complaint and c.at < as_of for c in history))
        w.outcomes.append(complained_or_escalated(history, as_of, end))
        w.returns.append(any(as_of <= c.at < end for c in history))
    return w


def _pooled(
    histories: Sequence[Sequence[Contact]],
    origins: Sequence[datetime],
    horizon: timedelta,
    weights: Weights,
) -> Window:
    """Customers scored at each origin (outcome in the `horizon` after it), pooled: a
    customer known at several origins counts once per origin."""
    pooled = Window(origins[0], origins[-1] + horizon, [], [], [], [])
    for origin in origins:
        w = _window(histories, origin, origin + horizon, weights)
        pooled.units += w.units
        pooled.complained_before += w.complained_before
        pooled.outcomes += w.outcomes
        pooled.returns += w.returns
    return pooled


def _points(unit_rows: Sequence[Sequence[float]], per_unit: dict[str, int]) -> list[int]:
    weights = [per_unit[code] for code in FACTORS]
    return [sum(round(p * u) for p, u in zip(weights, row, strict=True)) for row in unit_rows]


def _labels(scores: Sequence[int], high_at: int, low_below: int) -> tuple[list[bool], float, float]:
    n = len(scores) or 1
    high = [s >= high_at for s in scores]
    low_share = sum(1 for s in scores if s < low_below) / n
    return high, sum(high) / n, low_share


def _evaluate(
    scores: Sequence[int], window: Window, high_at: int, low_below: int, calibrate: list | None
) -> dict[str, Any]:
    high, high_share, low_share = _labels(scores, high_at, low_below)
    predicted = None
    if calibrate is not None:
        a, b = calibrate
        predicted = [logistic(a, b, s) for s in scores]
    return {
        "auc": roc_auc(scores, window.outcomes),
        "high": hits(high, window.outcomes).as_dict(),
        "share_high": high_share,
        "share_low": low_share,
        "calibration": calibration(scores, window.outcomes, predicted),
    }


def run(
    histories: Iterable[Sequence[Contact]],
    as_of: datetime,
    horizon: timedelta,
    weights: Weights,
    windows: int = 1,
) -> dict[str, Any]:
    """The back-test as of `as_of` over `horizon`, with the fitted weights' offer. Every
    history may extend past `as_of + horizon` (nothing after a cut is read for scores).

    `windows` > 1 pools that many consecutive windows ending at `as_of + horizon`
    (rolling origins `as_of − k·horizon`, each scored with the history before it): more
    outcomes, steadier figures. The fitted weights are trained on as many windows just
    before the first origin, so nothing they learn from lies after a test window starts."""
    histories = list(histories)
    windows = max(1, windows)
    test_origins = [as_of - k * horizon for k in range(windows - 1, -1, -1)]
    train_origins = [o - windows * horizon for o in test_origins]
    test = _pooled(histories, test_origins, horizon, weights)
    train = _pooled(histories, train_origins, horizon, weights)
    train_as_of = train_origins[0]
    hand_per_unit = weights.points_per_unit()
    hand_test = _points(test.units, hand_per_unit)
    hand_train = _points(train.units, hand_per_unit)
    calibrate = fit_logistic([[s] for s in hand_train], train.outcomes)
    hand = _evaluate(hand_test, test, weights.high_at, weights.low_below, calibrate)
    baseline_flags = test.complained_before
    baseline = {
        "name": "complained_before",
        "auc": roc_auc([1.0 if f else 0.0 for f in baseline_flags], test.outcomes),
        "high": hits(baseline_flags, test.outcomes).as_dict(),
    }
    back = [i for i, r in enumerate(test.returns) if r]
    back_outcomes = [test.outcomes[i] for i in back]
    returning = {
        "customers": len(back),
        "positives": sum(1 for o in back_outcomes if o),
        "base_rate": sum(1 for o in back_outcomes if o) / len(back) if back else None,
        "hand_auc": roc_auc([hand_test[i] for i in back], back_outcomes),
        "baseline_auc": roc_auc([1.0 if baseline_flags[i] else 0.0 for i in back], back_outcomes),
        "hand_high": hits([hand_test[i] >= weights.high_at for i in back], back_outcomes).as_dict(),
    }
    result: dict[str, Any] = {
        "as_of": as_of.isoformat(),
        "end": test.end.isoformat(),
        "horizon_days": horizon.days,
        "windows": windows,
        "origins": [o.isoformat() for o in test_origins],
        "customers": test.customers,
        "positives": test.positives,
        "base_rate": test.positives / test.customers if test.customers else None,
        "weights": weights.as_dict(),
        "hand": hand,
        "baseline": baseline,
        "train": {
            "as_of": train_as_of.isoformat(),
            "origins": [o.isoformat() for o in train_origins],
            "customers": train.customers,
            "positives": train.positives,
        },
        "returning": returning,
        "fitted": None,
    }
    coefficients = fit_logistic(train.units, train.outcomes)
    if coefficients is None:
        return result
    points = points_from_coefficients(coefficients[1:])
    fitted_train = _points(train.units, points)
    _, hand_high_share, hand_low_share = _labels(hand_train, weights.high_at, weights.low_below)
    high_at = threshold_for_share(fitted_train, hand_high_share)
    low_below = threshold_for_share(fitted_train, 1 - hand_low_share)
    fitted_test = _points(test.units, points)
    fitted_calibrate = fit_logistic([[s] for s in fitted_train], train.outcomes)
    fitted = _evaluate(fitted_test, test, high_at, low_below, fitted_calibrate)
    hand_auc, fitted_auc = hand["auc"], fitted["auc"]
    result["fitted"] = fitted | {
        "intercept": coefficients[0],
        "coefficients": dict(zip(FACTORS, coefficients[1:], strict=True)),
        "points": points,
        "high_at": high_at,
        "low_below": low_below,
        "beats_hand": (
            hand_auc is not None and fitted_auc is not None and fitted_auc >= hand_auc + MIN_GAIN
        ),
    }
    return result


def label_shares(scores: Sequence[int], weights: Weights) -> dict[str, float]:
    """Share of each label among scores (the demo's ≈ 15 % high)."""
    n = len(scores) or 1
    labels = [label_of(s, weights) for s in scores]
    return {label: labels.count(label) / n for label in (HIGH, NORMAL, LOW)}
