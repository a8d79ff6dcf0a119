"""The data-use statement (数据使用白皮书): which data about an agent the reviews read, who
sees it, how long it is kept, and how each figure of a scorecard becomes points. Built
from the scorecards in use (Template / TemplateIndicator rows), the behaviour scales and
the settings, so the page says what the system does, not what a document once said.

A scorecard line names a figure by its source key (kefu.performance.sources): the part
before the dot is the kind of data it reads (`kpi.`, `qa.`, `training.`, `reviews.`,
`bars.`, `feedback.`); KPI labels and units come from the metrics catalogue.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings as django_settings
from django.utils.functional import Promise
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from kefu.metrics.core.catalogue import FIGURES
from kefu.performance.choices import Mapping
from kefu.performance.models import BarsScale, PerformanceSettings, Template, TemplateIndicator


@dataclass(frozen=True)
class Family:
    """A kind of data the scorecards read."""

    prefix: str
    name: Promise
    reads: Promise
    seen_by: Promise


FAMILIES: tuple[Family, ...] = (
    Family(
        "kpi",
        gettext_lazy("Conversations and customer surveys"),
        gettext_lazy(
            "Your conversations: channel, when the customer wrote and when you first "
            "answered, handling time, whether it was resolved at the first contact, "
            "complaints; and the customers' satisfaction and NPS answers about them."
        ),
        gettext_lazy(
            "You; your team's supervisors; QA specialists, trainers and managers (their work "
            "covers every conversation). Customers' personal data stays masked except for "
            "managers."
        ),
    ),
    Family(
        "qa",
        gettext_lazy("Quality checks (QA)"),
        gettext_lazy(
            "The automatic and human quality checks of your conversations: the score, each "
            "check passed or failed, fatal hits (such as forbidden phrases)."
        ),
        gettext_lazy("You; your team's supervisors; QA specialists, trainers and managers."),
    ),
    Family(
        "training",
        gettext_lazy("Training record"),
        gettext_lazy(
            "Your certificates, exam scores and attendance at training sessions (more than "
            "3 absences in a quarter lower the development points by 15 %)."
        ),
        gettext_lazy("You; your team's supervisors; trainers and managers."),
    ),
    Family(
        "reviews",
        gettext_lazy("Human reviews and mystery shopping"),
        gettext_lazy(
            "The scores of human reviews of your conversations and of mystery-shopper "
            "contacts, once submitted."
        ),
        gettext_lazy("You; your team's supervisors; QA specialists and managers."),
    ),
    Family(
        "bars",
        gettext_lazy("Behaviour ratings"),
        gettext_lazy(
            "Your supervisor's ratings of behaviours such as service attitude, on a 1–5 "
            "scale whose every level is described, each with at least one of your "
            "conversations linked as evidence."
        ),
        gettext_lazy("You; your team's supervisors; managers."),
    ),
    Family(
        "feedback",
        gettext_lazy("360-degree feedback answers"),
        gettext_lazy(
            "Colleagues', your supervisor's and your own answers (1–5) on empathy, "
            "cross-team collaboration, knowledge sharing and innovation, with comments."
        ),
        gettext_lazy(
            "Each answer: its rater only. You and managers: averages and comments once enough "
            "raters answered, never with names."
        ),
    ),
)
BY_PREFIX = {family.prefix: family for family in FAMILIES}

# The figures that are not KPIs: label and unit ("points" 0–100, "rate" 0–1, "flag" 0/1,
# "level" 1–5, "score5" 1–5).
OTHER_FIGURES: dict[str, tuple[Promise, str]] = {
    "qa.score": (gettext_lazy("QA score"), "points"),
    "qa.fatal_rate": (gettext_lazy("Share of QA results with a fatal hit"), "rate"),
    "training.certified": (gettext_lazy("Valid certificate"), "flag"),
    "training.exam_score": (gettext_lazy("Exam score"), "points"),
    "training.attendance_rate": (gettext_lazy("Training attendance"), "rate"),
    "reviews.mystery": (gettext_lazy("Mystery-shopper score"), "points"),
    "feedback.mean": (gettext_lazy("360-degree mean"), "score5"),
}


def family_of(source: str) -> Family | None:
    return BY_PREFIX.get(source.split(".", 1)[0])


def label_and_unit(source: str, scales: dict[str, str]) -> tuple[str, str]:
    """A source key's label in the reader's language and its unit."""
    prefix, _dot, key = source.partition(".")
    if prefix == "kpi" and key in FIGURES:
        figure = FIGURES[key]
        return figure.label(get_language() or "zh-hans"), figure.unit
    if prefix == "bars":
        return _("Behaviour rating: %(name)s") % {"name": scales.get(key, key)}, "level"
    if source in OTHER_FIGURES:
        label, unit = OTHER_FIGURES[source]
        return str(label), unit
    return source, "points"


def value_text(value: float, unit: str) -> str:
    if unit == "rate":
        return f"{100 * value:g} %"
    if unit == "seconds":
        return _("%(n)s s") % {"n": f"{value:g}"}
    if unit == "flag":
        return _("yes") if value >= 1 else _("no")
    if unit == "level":
        return _("level %(n)s") % {"n": f"{value:g}"}
    return f"{value:g}"


def mapping_text(line: TemplateIndicator, unit: str) -> str:
    """How the figure becomes 0–100 points, in a sentence."""
    if line.mapping == Mapping.BANDS:
        bands = "; ".join(
            _("from %(value)s: %(points)s points")
            % {"value": value_text(float(lower), unit), "points": f"{float(pts):g}"}
            for lower, pts in (line.bands or [])
        )
        return _("Bands: %(bands)s.") % {"bands": bands or "—"}
    if line.floor is None or line.target is None:
        return "—"
    if unit == "flag":
        return _("Yes: 100 points; no: 0 points.")
    floor, target = value_text(line.floor, unit), value_text(line.target, unit)
    if line.floor > line.target:
        return _(
            "Lower is better: 100 points at %(target)s or less, 0 points at %(floor)s or more, "
            "in proportion in between."
        ) % {"target": target, "floor": floor}
    return _(
        "0 points at %(floor)s or less, 100 points at %(target)s or more, in proportion in between."
    ) % {"target": target, "floor": floor}


def scorecards(tier: str | None) -> list[dict]:
    """The latest version of each scorecard, its lines in words; the one for `tier` (or
    the standard one when no scorecard is for that tier) marked as the reader's."""
    latest: dict[str, Template] = {}
    for template in Template.objects.order_by("family", "-version").prefetch_related("indicators"):
        latest.setdefault(template.family, template)
    scales = dict(BarsScale.objects.values_list("code", "name"))
    tiers = {t.tier for t in latest.values()}
    mine = tier if tier in tiers else ""
    out = []
    for template in latest.values():
        lines = []
        total = sum(line.weight for line in template.indicators.all()) or 1.0
        for line in template.indicators.all():
            label, unit = label_and_unit(line.source, scales)
            family = family_of(line.source)
            lines.append(
                {
                    "dimension": line.get_dimension_display(),
                    "label": label,
                    "source": line.source,
                    "family": family.name if family else "",
                    "weight": line.weight,
                    "share": 100 * line.weight / total,
                    "mapping": mapping_text(line, unit),
                }
            )
        out.append({"template": template, "mine": template.tier == mine, "lines": lines})
    out.sort(key=lambda card: (not card["mine"], card["template"].family))
    return out


def families_in_use(cards: list[dict]) -> list[dict]:
    """Each kind of data with the figures of the scorecards that read it."""
    figures: dict[str, dict[str, str]] = {family.prefix: {} for family in FAMILIES}
    for card in cards:
        for line in card["lines"]:
            prefix = line["source"].split(".", 1)[0]
            if prefix in figures:
                figures[prefix].setdefault(line["source"], line["label"])
    return [
        {"family": family, "figures": list(figures[family.prefix].values())} for family in FAMILIES
    ]


def retention() -> dict[str, object]:
    return {"import_file_days": django_settings.KEFU_IMPORT_FILE_RETENTION_DAYS}


def safeguards(settings: PerformanceSettings) -> dict[str, object]:
    return {
        "anonymity_threshold": settings.anonymity_threshold,
        "rater_gap_points": settings.rater_gap_points,
    }
