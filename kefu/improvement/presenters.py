"""What the classifier page shows of a stored model's report (`ClassifierModel.report`,
written by `actions.train_classifier` from `core.classifier.Evaluation.as_dict`)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _


def classifier_figures(report: dict[str, Any]) -> dict[str, Any]:
    """Rows of the figures table (one per measurement: cross-validated, held out by time)
    with the model beside the majority-class and keyword baselines, the review
    thresholds and the per-problem figures."""
    rows = []
    for key, title in (
        ("cross_validated", _("Cross-validated (%(k)s folds)") % {"k": report.get("folds")}),
        ("held_out_by_time", _("Held out by time (the latest quarter)")),
    ):
        table = report.get(key) or {}
        if "model" not in table:
            continue
        rows.append(
            {
                "title": title,
                "model": table["model"],
                "majority": table.get("majority") or {},
                "keyword": table.get("keyword") or {},
            }
        )
    sizes = report.get("held_out_sizes") or {}
    return {
        "rows": rows,
        "held_out_from": (report.get("held_out_from") or "")[:10],
        "train": sizes.get("train"),
        "test": sizes.get("test"),
        "thresholds": report.get("thresholds") or [],
        "per_problem": sorted(
            (report.get("per_problem") or {}).items(), key=lambda item: -item[1]["support"]
        ),
        "confusions": report.get("confusions") or [],
        "features": (report.get("model") or {}).get("features"),
        "synonyms": (report.get("model") or {}).get("synonyms"),
    }
