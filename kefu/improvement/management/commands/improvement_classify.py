"""`kefu improvement_classify [--train] [--reclassify]`: label the closed complaints with
the active classifier; `--train` first learns a new one from today's labels (people's
corrections, then wrap-up codes) and prints its measured figures (docs/classification.md).
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kefu.improvement import actions
from kefu.lib.errors import Invalid


class Command(BaseCommand):
    help = (
        "Classify the closed complaints (every closed conversation with the setting "
        "classify_all) into scene and problem with the active classifier. --train: train "
        "a new classifier first (cross-validated and held-out figures printed); "
        "--reclassify: label every automatic classification again (people's stay)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--train", action="store_true", help="train a new classifier first")
        parser.add_argument("--reclassify", action="store_true", help="every automatic label again")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        if options["train"]:
            try:
                row = actions.train_classifier()
            except Invalid as exc:
                raise CommandError(str(exc)) from None
            self._report(row.report, row.examples, row.corrections, time.monotonic() - started)
        started = time.monotonic()
        written = actions.classify(reclassify=options["reclassify"] or options["train"])
        if written == 0 and not options["train"]:
            from kefu.improvement.models import ClassifierModel

            if not ClassifierModel.objects.filter(active=True).exists():
                raise CommandError("no classifier yet: run with --train")
        self.stdout.write(
            f"classified {written:,} conversations in {time.monotonic() - started:.1f} s"
        )

    def _report(self, report: dict, examples: int, corrections: int, seconds: float) -> None:
        out = self.stdout.write
        out(
            f"trained on {examples:,} labelled complaints ({corrections:,} classified by "
            f"people) in {seconds:.1f} s"
        )
        for title, key in (
            ("cross-validated", "cross_validated"),
            ("held out by time", "held_out_by_time"),
        ):
            table = report.get(key) or {}
            model, majority = table.get("model"), table.get("majority")
            if model and majority:
                out(
                    f"  {title}: problem accuracy {model['problem_accuracy']:.3f} "
                    f"(macro-F1 {model['problem_f1']:.3f}), scene {model['scene_accuracy']:.3f}; "
                    f"majority class {majority['problem_accuracy']:.3f}"
                )
