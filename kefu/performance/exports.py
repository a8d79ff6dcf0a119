"""A cycle's reviews as an Excel workbook (openpyxl): one row per agent, the rank group,
the score with its interval, the dimensions, and each figure with its points."""

from __future__ import annotations

from typing import BinaryIO

from django.utils.translation import gettext as _
from openpyxl import Workbook

from kefu.performance.choices import Dimension
from kefu.performance.models import Cycle
from kefu.performance.selectors.cycles import RankedScore
from kefu.performance.sources import source


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def cycle_workbook(cycle: Cycle, ranked: list[RankedScore], stream: BinaryIO) -> None:
    book = Workbook()
    sheet = book.active
    sheet.title = _("Reviews")[:31]
    keys: list[str] = []
    for row in ranked:
        for entry in row.score.details:
            if entry["source"] not in keys:
                keys.append(entry["source"])
    dimensions = list(Dimension.choices)
    header = [
        _("Rank"), _("Not distinguishable from"), _("Agent id"), _("Name"), _("Team"),
        _("Scorecard"), _("Score"), _("Low (95%)"), _("High (95%)"), _("Calibrated score"),
        *[str(label) for _code, label in dimensions],
    ]  # fmt: skip
    for key in keys:
        definition = source(key)
        label = str(definition.label) if definition is not None else key
        header += [label, _("%(figure)s points") % {"figure": label}]
    sheet.append([_("Cycle"), cycle.name, str(cycle.start), str(cycle.end)])
    sheet.append(header)
    for row in ranked:
        score = row.score
        by_key = {entry["source"]: entry for entry in score.details}
        line = [
            row.rank or None,
            row.group_size - 1 if row.group_size > 1 else 0,
            score.agent.external_id,
            score.agent.name,
            score.team.name if score.team else "",
            str(score.template) if score.template_id else "",
            _rounded(score.score),
            _rounded(score.score_low),
            _rounded(score.score_high),
            _rounded(score.calibrated_score),
            *[_rounded(score.dimensions.get(code)) for code, _label in dimensions],
        ]
        for key in keys:
            entry = by_key.get(key) or {}
            line += [_rounded(entry.get("value")), _rounded(entry.get("points"))]
        sheet.append(line)
    book.save(stream)
