"""What a viewer sees of the risk index: the reasons as sentences in the user's language,
their values masked for roles without `view_personal_data` (the label stays visible)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kefu.customers.core.risk import FACTORS
from kefu.interactions.choices import Channel

MASK = "*"

REASON_TEXTS = {
    "complaints": gettext_lazy("Complaints in %(days)s days: %(count)s"),
    "escalations": gettext_lazy("Escalations in %(days)s days: %(count)s"),
    "repeat_contacts": gettext_lazy("Repeat contacts (within 7 days) in %(days)s days: %(count)s"),
    "negative_emotion": gettext_lazy(
        "Negative emotion in %(count)s of %(of)s contacts in %(days)s days (%(share)s)"
    ),
    "low_satisfaction": gettext_lazy(
        "Low ratings (CSAT ≤ 2 or NPS ≤ 6) in %(days)s days: %(count)s"
    ),
    "spend": gettext_lazy("Spend in %(days)s days: %(amount)s (at least %(threshold)s)"),
    "recent_contact": gettext_lazy("Last contact %(days)s days ago (within %(within)s)"),
}
FACTOR_NAMES = {
    "complaints": gettext_lazy("Complaints"),
    "escalations": gettext_lazy("Escalations"),
    "repeat_contacts": gettext_lazy("Repeat contacts"),
    "negative_emotion": gettext_lazy("Negative emotion"),
    "low_satisfaction": gettext_lazy("Low CSAT / detractor NPS"),
    "spend": gettext_lazy("Spend"),
    "recent_contact": gettext_lazy("Recent contact"),
}
assert set(REASON_TEXTS) == set(FACTOR_NAMES) == set(FACTORS)


def _value(name: str, value: Any) -> str:
    if value is None:
        return "—"
    if name == "share":
        return f"{float(value):.0%}"
    if name == "amount":
        return f"{float(value):,.2f}"
    return str(value)


def reason_line(reason: dict[str, Any], unmasked: bool) -> dict[str, Any]:
    """One reason as shown: {code, name, text, points (None when masked), points_text}."""
    code = reason.get("code", "")
    values = reason.get("values") or {}
    shown = {k: _value(k, v) if unmasked else MASK for k, v in values.items()}
    params = {k: _value(k, v) for k, v in (reason.get("settings") or {}).items()} | shown
    template = REASON_TEXTS.get(code)
    try:
        text = str(template) % params if template is not None else code
    except (KeyError, TypeError, ValueError):  # a reason stored by another version
        text = str(FACTOR_NAMES.get(code, code))
    points = reason.get("points") if unmasked else None
    points_text = f"{points:+d}" if isinstance(points, int) else f"+{MASK}"
    return {
        "code": code,
        "name": str(FACTOR_NAMES.get(code, code)),
        "text": text,
        "points": points,
        "points_text": points_text,
        "sentence": _("%(reason)s: %(points)s") % {"reason": text, "points": points_text},
    }


def reason_lines(reasons: list[dict[str, Any]], unmasked: bool) -> list[dict[str, Any]]:
    return [reason_line(r, unmasked) for r in reasons or []]


def channel_label(value: str) -> str:
    try:
        return str(Channel(value).label)
    except ValueError:
        return value or "—"


def hour_label(hour: int | None) -> str:
    if hour is None:
        return "—"
    return _("%(start)02d:00–%(end)02d:00") % {"start": hour, "end": (hour + 1) % 24}


def _pct(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value * 100:.{digits}f} %"


def _auc(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def _hits(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "flagged": data["flagged"],
        "true_positives": data["true_positives"],
        "precision": _pct(data["precision"]),
        "recall": _pct(data["recall"]),
    }


def _calibration(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "decile": r["decile"],
            "customers": r["customers"],
            "scores": (
                str(r["min_score"])
                if r["min_score"] == r["max_score"]
                else f"{r['min_score']}–{r['max_score']}"
            ),
            "positives": r["positives"],
            "observed": _pct(r["observed"], 2),
            "predicted": _pct(r.get("predicted"), 2) if "predicted" in r else "—",
        }
        for r in rows
    ]


def day_of_cut(cut: str) -> str:
    """The day a cut instant ends ("as of the end of that day")."""
    return (datetime.fromisoformat(cut) - timedelta(seconds=1)).date().isoformat()


def present(result: dict[str, Any]) -> dict[str, Any]:
    """A back-test's figures (core.backtest.run) formatted for the page."""
    hand, baseline, fitted = result["hand"], result["baseline"], result.get("fitted")
    shown: dict[str, Any] = {
        "customers": result["customers"],
        "positives": result["positives"],
        "base_rate": _pct(result["base_rate"], 2),
        "horizon_days": result["horizon_days"],
        "as_of": day_of_cut(result["as_of"]),
        "windows": result.get("windows", 1),
        "first_origin": day_of_cut(result.get("origins", [result["as_of"]])[0]),
        "train_as_of": day_of_cut(result["train"]["as_of"]),
        "train_customers": result["train"]["customers"],
        "train_positives": result["train"]["positives"],
        "hand_auc": _auc(hand["auc"]),
        "hand_high": _hits(hand["high"]),
        "hand_share_high": _pct(hand["share_high"]),
        "baseline_auc": _auc(baseline["auc"]),
        "baseline_high": _hits(baseline["high"]),
        "calibration": _calibration(hand["calibration"]),
        "returning": None,
        "fitted": None,
    }
    returning = result.get("returning")
    if returning:
        shown["returning"] = {
            "customers": returning["customers"],
            "positives": returning["positives"],
            "base_rate": _pct(returning["base_rate"], 2),
            "hand_auc": _auc(returning["hand_auc"]),
            "baseline_auc": _auc(returning["baseline_auc"]),
            "hand_high": _hits(returning["hand_high"]),
        }
    if fitted:
        weights = result["weights"]
        hand_points = {
            "complaints": weights["complaint_points"],
            "escalations": weights["escalation_points"],
            "repeat_contacts": weights["repeat_points"],
            "negative_emotion": weights["negative_points"],
            "low_satisfaction": weights["low_satisfaction_points"],
            "spend": weights["spend_points"],
            "recent_contact": weights["recent_points"],
        }
        shown["fitted"] = {
            "auc": _auc(fitted["auc"]),
            "high": _hits(fitted["high"]),
            "share_high": _pct(fitted["share_high"]),
            "beats_hand": fitted["beats_hand"],
            "high_at": fitted["high_at"],
            "low_below": fitted["low_below"],
            "rows": [
                {
                    "name": str(FACTOR_NAMES[code]),
                    "hand": hand_points[code],
                    "fitted": fitted["points"][code],
                    "coefficient": f"{fitted['coefficients'][code]:+.3f}",
                }
                for code in FACTORS
            ],
            "hand_high_at": weights["high_at"],
            "hand_low_below": weights["low_below"],
            "calibration": _calibration(fitted["calibration"]),
        }
    return shown
