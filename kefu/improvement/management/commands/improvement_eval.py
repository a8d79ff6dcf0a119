"""`kefu improvement_eval [--all] [--since D] [--until D] [--folds 5] [--json]`: how well
the complaint classifier assigns scene and problem, measured on the stored conversations'
wrap-up codes (docs/classification.md)."""

from __future__ import annotations

import json
import math
import time
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kefu.improvement import texts
from kefu.improvement.core.classifier import Evaluation, Scores, evaluate
from kefu.improvement.core.cleaning import load_synonyms

METHODS = (("model", "classifier"), ("majority", "majority class"), ("keyword", "keyword"))


def _day(value: str | None, name: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--{name} must be a date: YYYY-MM-DD") from None


def _f(value: float) -> str:
    return "—" if value is None or math.isnan(value) else f"{value:.3f}"


class Command(BaseCommand):
    help = (
        "Measure the complaint classifier on the stored conversations: cross-validated and "
        "held-out-by-time accuracy and macro-F1 of scene and problem beside a majority-class "
        "and a keyword baseline, the review queue's coverage at each confidence threshold "
        "and the most confused problems. Text: the customers' messages; labels: category1 "
        "and category2."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--all", action="store_true", help="every labelled conversation, not complaints only"
        )
        parser.add_argument("--since", metavar="YYYY-MM-DD")
        parser.add_argument("--until", metavar="YYYY-MM-DD")
        parser.add_argument("--folds", type=int, default=5)
        parser.add_argument("--seed", type=int, default=0, help="shuffles the folds")
        parser.add_argument(
            "--holdout-from",
            metavar="YYYY-MM-DD",
            help="test on the conversations from this day on, train on the earlier ones "
            "(default: the latest quarter of them)",
        )
        parser.add_argument(
            "--scene",
            choices=["derived", "separate"],
            default="derived",
            help="the scene from the predicted problem, or its own classifier",
        )
        parser.add_argument(
            "--no-synonyms", action="store_true", help="clean without the synonym dictionary"
        )
        parser.add_argument("--json", action="store_true", help="print JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        if not 2 <= options["folds"] <= 20:
            raise CommandError("--folds is 2 to 20")
        since, until = _day(options["since"], "since"), _day(options["until"], "until")
        holdout = _day(options["holdout_from"], "holdout-from")
        qs = texts.conversations(complaints_only=not options["all"], since=since, until=until)
        started = time.monotonic()
        examples = texts.examples(qs)
        if len(examples) < max(options["folds"], 20):
            raise CommandError(f"{len(examples)} labelled conversations: too few to measure")
        synonyms = {} if options["no_synonyms"] else load_synonyms().synonyms
        result = evaluate(
            examples,
            folds=options["folds"],
            seed=options["seed"],
            params={"scene": options["scene"]},
            synonyms=synonyms,
            holdout_from=holdout,
        )
        seconds = time.monotonic() - started
        if options["json"]:
            data = result.as_dict() | {"seconds": round(seconds, 1), "synonyms": len(synonyms)}
            data["selection"] = "all" if options["all"] else "complaints"
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
            return
        self._table(result, "conversations" if options["all"] else "complaints", seconds)

    def _table(self, result: Evaluation, what: str, seconds: float) -> None:
        out = self.stdout.write
        out(
            f"Complaint classification: {result.examples:,} labelled {what}, "
            f"{result.folds}-fold stratified cross-validation ({seconds:.1f} s)"
        )
        header = f"{'':28} {'scene acc':>9} {'scene F1':>9} {'problem acc':>11} {'problem F1':>10}"

        def block(title: str, table: dict[str, Scores]) -> None:
            out("")
            out(title)
            out(header)
            for key, label in METHODS:
                s = table.get(key)
                if s is None:
                    continue
                out(
                    f"  {label:26} {_f(s.scene_accuracy):>9} {_f(s.scene_f1):>9} "
                    f"{_f(s.problem_accuracy):>11} {_f(s.problem_f1):>10}"
                )

        block("Cross-validated", result.cv)
        train, test = result.holdout_sizes
        if result.holdout:
            block(
                f"Held out by time: trained on {train:,} before {result.holdout_from[:10]}, "
                f"tested on the {test:,} after",
                result.holdout,
            )
        out("")
        out("Review queue (cross-validated): confidence threshold → decided automatically")
        out(f"  {'threshold':>9} {'coverage':>9} {'accuracy':>9} {'below: accuracy':>16}")
        for row in result.thresholds:
            out(
                f"  {row['threshold']:>9.1f} {row['coverage']:>9.1%} {_f(row['accuracy']):>9} "
                f"{_f(row['accuracy_below']):>16}"
            )
        if result.confusions:
            out("")
            out("Most confused problems (cross-validated): coded → predicted")
            for truth, predicted, count in result.confusions:
                out(f"  {truth} → {predicted}: {count}")
        out("")
        out("Per problem (cross-validated)")
        out(f"  {'problem':14} {'support':>7} {'precision':>9} {'recall':>7} {'F1':>6}")
        for problem, row in result.per_problem.items():
            out(
                f"  {problem:14} {row['support']:>7} {row['precision']:>9.3f} "
                f"{row['recall']:>7.3f} {row['f1']:>6.3f}"
            )
