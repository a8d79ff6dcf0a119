"""`kefu customers_backtest --as-of 2024-09-30 --horizon 30`: how well the risk score
foresees a complaint or an escalation in the next days (docs/customers.md)."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kefu.customers.backtests import compute
from kefu.customers.core.risk import FACTORS


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def _day(cut: str) -> str:
    """The day a cut ends ("as of the end of that day")."""
    return (datetime.fromisoformat(cut) - timedelta(seconds=1)).date().isoformat()


def _auc(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


class Command(BaseCommand):
    help = (
        "Back-test the risk score: customers scored as of the end of a day with their "
        "history before it; ROC AUC, precision and recall of the high label, calibration by "
        "decile, beside the baseline 'complained before' and a logistic regression fitted "
        "on the window before."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as-of", required=True, metavar="YYYY-MM-DD")
        parser.add_argument("--horizon", type=int, default=30, metavar="DAYS")
        parser.add_argument(
            "--windows",
            type=int,
            default=1,
            metavar="N",
            help="pool N consecutive windows ending at the date (rolling origins)",
        )
        parser.add_argument("--format", choices=["table", "json"], default="table")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            as_of = date.fromisoformat(options["as_of"])
        except ValueError:
            raise CommandError("--as-of must be a date: YYYY-MM-DD") from None
        if not 1 <= options["horizon"] <= 365:
            raise CommandError("--horizon is 1 to 365 days")
        if not 1 <= options["windows"] <= 12:
            raise CommandError("--windows is 1 to 12")
        result = compute(as_of, options["horizon"], options["windows"])
        if options["format"] == "json":
            self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2))
            return
        self._table(result)

    def _table(self, r: dict[str, Any]) -> None:
        out = self.stdout.write
        hand, base, fitted = r["hand"], r["baseline"], r["fitted"]
        pooled = f", {r['windows']} windows pooled" if r["windows"] > 1 else ""
        out(
            f"as of {r['as_of_day']} (end of day), next {r['horizon_days']} days{pooled}: "
            f"{r['customers']} customers, {r['positives']} complained or were escalated "
            f"(base rate {_pct(r['base_rate'])})"
        )
        out(f"{'':34} {'AUC':>6} {'flagged':>8} {'precision':>9} {'recall':>7}")
        rows = [("risk score (high label)", hand["auc"], hand["high"])]
        rows.append(("baseline: complained before", base["auc"], base["high"]))
        if fitted:
            rows.append(("fitted weights (high label)", fitted["auc"], fitted["high"]))
        for name, auc, hits in rows:
            out(
                f"{name:34} {_auc(auc):>6} {hits['flagged']:>8} "
                f"{_pct(hits['precision']):>9} {_pct(hits['recall']):>7}"
            )
        out(f"high label: {_pct(hand['share_high'])} of the customers")
        back = r.get("returning")
        if back:
            out(
                f"customers who contacted again: {back['customers']}, {back['positives']} "
                f"with the outcome ({_pct(back['base_rate'])}); AUC score "
                f"{_auc(back['hand_auc'])}, complained before {_auc(back['baseline_auc'])}"
            )
        out("calibration (decile: scores, customers, predicted, observed)")
        for row in hand["calibration"]:
            out(
                f"  {row['decile']:>2}: {row['min_score']}–{row['max_score']:<4} "
                f"{row['customers']:>7} {_pct(row.get('predicted')):>7} {_pct(row['observed']):>7}"
            )
        if fitted:
            offer = "offered" if fitted["beats_hand"] else "not better: not offered"
            points = ", ".join(f"{k} {fitted['points'][k]}" for k in FACTORS)
            out(
                f"fitted as of {_day(r['train']['as_of'])} ({r['train']['customers']} customers, "
                f"{r['train']['positives']} positives): {points}; high at {fitted['high_at']}, "
                f"low below {fitted['low_below']} — {offer}"
            )
