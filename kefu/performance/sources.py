"""The figures a scorecard can use, per agent and period: each reads the one definition
that already exists (never a copy of a formula) and adds how sure it is.

- `kpi.<key>`: the KPI contract's figures (kefu.metrics.core.kpis): the value is
  `finalize` over the agent's statistics; rates get a Wilson interval, means a t interval
  from the same facts' sum of squares, NPS the multinomial interval.
- `qa.score` (mean QA score of the agent's scored conversations), `qa.fatal_rate` (share
  with a fatal hit), from the current QA results.
- `training.certified` (a valid certificate at the period's end: 1 or 0),
  `training.exam_score` (mean graded exam score of the period), `training.attendance_rate`
  (kefu.training.core.figures.attendance of the agent's seats).
- `reviews.mystery` / `reviews.human` (mean score of the submitted mystery-shopper /
  human reviews of the period).
- `bars.<scale>` (mean level of the cycle's behaviour ratings), `feedback.mean` (the
  360-degree overall mean of the others' answers, only when the anonymity threshold is
  met: kefu.performance.selectors.feedback).

`collect(sources, agent_ids, start, end, cycle)` → {source: {agent id: Estimate}}, in a
few queries per source for all agents at once. `evidence(source, agent, start, end,
cycle)` → the conversations behind a figure (the drill-down).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from kefu.core import periods
from kefu.interactions.models import Conversation
from kefu.lib.localtime import configured_tz
from kefu.metrics.core.catalogue import FIGURES
from kefu.metrics.core.kpis import RATIOS, STATS, finalize
from kefu.metrics.facts import refresh
from kefu.metrics.models import KpiFact
from kefu.performance.core.stats import (
    Estimate,
    mean_interval,
    mean_of,
    nps_interval,
    shrink_means,
    shrink_rates,
    t_quantile,
    wilson,
)
from kefu.performance.models import BarsRating, BarsScale, Cycle
from kefu.performance.selectors import feedback as feedback_selectors
from kefu.qa.models import QaResult
from kefu.reviews.choices import Kind, ReviewStatus
from kefu.reviews.models import Review
from kefu.training.core import figures as training_figures
from kefu.training.figures import seats
from kefu.training.models import Attempt
from kefu.training.selectors.certification import certified_agents

Values = dict[int, Estimate]


@dataclass(frozen=True)
class Source:
    key: str
    label: str
    unit: str  # "rate" (0–1), "s", "points" (0–100), "level" (1–5), "nps", "flag"
    reads: str  # what data it reads (the transparency page)
    shrinkable: bool = False  # an estimate from many observations of the agent


def _figure_label(figure):
    """The KPI catalogue's label in the language of the request (read when shown)."""
    return lazy(lambda: figure.label(get_language() or "zh-hans"), str)()


def _kpi_sources() -> dict[str, Source]:
    out = {}
    for key in (*RATIOS, "nps"):
        figure = FIGURES.get(key)
        label = _figure_label(figure) if figure is not None else key
        unit = "rate" if key.endswith("_rate") else "nps" if key == "nps" else "s"
        if key.endswith("_min"):
            unit = "min"
        if key == "csat_mean":
            unit = "level"
        out[f"kpi.{key}"] = Source(
            f"kpi.{key}",
            label,
            unit,
            _("The agent's conversations of the period and their surveys (KPI definitions)."),
            shrinkable=True,
        )
    return out


SOURCES: dict[str, Source] = {
    **_kpi_sources(),
    "qa.score": Source(
        "qa.score",
        _("QA score"),
        "points",
        _("The automatic QA results of the agent's conversations of the period."),
        shrinkable=True,
    ),
    "qa.fatal_rate": Source(
        "qa.fatal_rate",
        _("Conversations with a fatal QA hit"),
        "rate",
        _("The automatic QA results of the agent's conversations of the period."),
        shrinkable=True,
    ),
    "training.certified": Source(
        "training.certified",
        _("Valid certificate"),
        "flag",
        _("The agent's certificates (training)."),
    ),
    "training.exam_score": Source(
        "training.exam_score",
        _("Exam score"),
        "points",
        _("The agent's graded exam attempts of the period (training)."),
    ),
    "training.attendance_rate": Source(
        "training.attendance_rate",
        _("Training attendance"),
        "rate",
        _("Attendance marks of the training sessions held in the period."),
    ),
    "reviews.mystery": Source(
        "reviews.mystery",
        _("Mystery-shopper score"),
        "points",
        _("Submitted mystery-shopper evaluations of the agent in the period."),
    ),
    "reviews.human": Source(
        "reviews.human",
        _("Human review score"),
        "points",
        _("Submitted human QA reviews of the agent's conversations in the period."),
    ),
    "feedback.mean": Source(
        "feedback.mean",
        _("360-degree feedback (mean, 1–5)"),
        "level",
        _("Submitted 360-degree answers of the cycle, shown only above the anonymity threshold."),
    ),
}


def source(key: str) -> Source | None:
    """The definition of a source key; `bars.<scale code>` keys are made on demand."""
    if key in SOURCES:
        return SOURCES[key]
    if key.startswith("bars."):
        scale = BarsScale.objects.filter(code=key.removeprefix("bars.")).first()
        if scale is not None:
            return Source(
                key,
                scale.name,
                "level",
                _("Behaviour ratings of the cycle by the agent's supervisors, with evidence."),
            )
    return None


def choices() -> list[tuple[str, str]]:
    """(key, label) of every usable source, for template forms."""
    keys = [(key, str(s.label)) for key, s in SOURCES.items()]
    keys += [(f"bars.{code}", name) for code, name in BarsScale.objects.values_list("code", "name")]
    return keys


# --- collecting ---------------------------------------------------------------------------
def _kpis(keys: set[str], agent_ids: list[int], start: date, end: date) -> dict[str, Values]:
    refresh()
    facts = KpiFact.objects.filter(day__gte=start, day__lte=end, agent_id__in=agent_ids)
    squares = {
        f"sq_{RATIOS[key][0]}": Sum(F(RATIOS[key][0]) * F(RATIOS[key][0]))
        for key in keys
        if key in RATIOS and not key.endswith("_rate")
    }
    # (aliases: an annotation named like a field would shadow it in the squares)
    rows = facts.values("agent_id").annotate(**squares, **{f"t_{s}": Sum(s) for s in STATS})
    out: dict[str, Values] = {key: {} for key in keys}
    for row in rows:
        stats = {s: row[f"t_{s}"] or 0 for s in STATS}
        figures = finalize(stats, {})
        for key in keys:
            value = figures.get(key)
            if key == "nps":
                out[key][row["agent_id"]] = nps_interval(
                    stats["nps_promoters"], stats["nps_detractors"], stats["nps_n"]
                )
                continue
            numerator, denominator = RATIOS[key]
            n = int(stats[denominator])
            if value is None or n == 0:
                continue
            if key.endswith("_rate"):
                estimate = wilson(int(stats[numerator]), n)
            else:
                estimate = mean_interval(
                    n, float(stats[numerator]), float(row[f"sq_{numerator}"] or 0)
                )
            out[key][row["agent_id"]] = Estimate(float(value), n, estimate.low, estimate.high)
    return out


def _qa(keys: set[str], agent_ids: list[int], start: date, end: date) -> dict[str, Values]:
    rows = (
        QaResult.objects.filter(
            is_current=True, day__gte=start, day__lte=end, agent_id__in=agent_ids
        )
        .values("agent_id")
        .annotate(
            n=Count("pk"),
            total=Sum("score"),
            total_sq=Sum(F("score") * F("score")),
            fatal_n=Count("pk", filter=Q(fatal=True)),
        )
    )
    out: dict[str, Values] = {"qa.score": {}, "qa.fatal_rate": {}}
    for row in rows:
        out["qa.score"][row["agent_id"]] = mean_interval(
            row["n"], float(row["total"] or 0), float(row["total_sq"] or 0)
        )
        out["qa.fatal_rate"][row["agent_id"]] = wilson(row["fatal_n"], row["n"])
    return {key: out[key] for key in keys}


def _period_end(end: date) -> datetime:
    return timezone.make_aware(datetime.combine(end + timedelta(days=1), time()), configured_tz())


def _training(keys: set[str], agent_ids: list[int], start: date, end: date) -> dict[str, Values]:
    out: dict[str, Values] = {key: {} for key in keys}
    if "training.certified" in keys:
        holding = set(
            certified_agents(on=_period_end(end))
            .filter(pk__in=agent_ids)
            .values_list("pk", flat=True)
        )
        out["training.certified"] = {
            agent: Estimate(1.0 if agent in holding else 0.0, 1) for agent in agent_ids
        }
    if "training.exam_score" in keys:
        scores: dict[int, list[float]] = defaultdict(list)
        attempts = Attempt.objects.filter(
            agent_id__in=agent_ids,
            score__isnull=False,
            **periods.lookups("graded_at", start, end, configured_tz()),
        ).values_list("agent_id", "score")
        for agent, score in attempts:
            scores[agent].append(float(score))
        out["training.exam_score"] = {agent: mean_of(v) for agent, v in scores.items()}
    if "training.attendance_rate" in keys:
        by_agent: dict[int, list[training_figures.Seat]] = defaultdict(list)
        for seat in seats(start, end, agent_ids=agent_ids):
            by_agent[seat.agent].append(seat)
        for agent, agent_seats in by_agent.items():
            ratio = training_figures.attendance(agent_seats)
            if ratio.denominator:
                out["training.attendance_rate"][agent] = wilson(ratio.numerator, ratio.denominator)
    return out


def _reviews(keys: set[str], agent_ids: list[int], start: date, end: date) -> dict[str, Values]:
    out: dict[str, Values] = {}
    base = Review.objects.filter(
        agent_id__in=agent_ids,
        status=ReviewStatus.SUBMITTED,
        score__isnull=False,
        **periods.lookups("submitted_at", start, end, configured_tz()),
    )
    for key, kinds in (
        ("reviews.mystery", [Kind.MYSTERY_SHOPPER]),
        ("reviews.human", [Kind.SAMPLED, Kind.MANUAL]),
    ):
        if key not in keys:
            continue
        scores: dict[int, list[float]] = defaultdict(list)
        for agent, score in base.filter(kind__in=kinds).values_list("agent_id", "score"):
            scores[agent].append(score)
        out[key] = {agent: mean_of(v) for agent, v in scores.items()}
    return out


def _bars(keys: set[str], agent_ids: list[int], cycle: Cycle | None) -> dict[str, Values]:
    out: dict[str, Values] = {key: {} for key in keys}
    if cycle is None:
        return out
    levels: dict[tuple[str, int], list[float]] = defaultdict(list)
    ratings = BarsRating.objects.filter(
        cycle=cycle, agent_id__in=agent_ids, scale__code__in=[k[5:] for k in keys]
    ).values_list("scale__code", "agent_id", "level")
    for code, agent, level in ratings:
        levels[(code, agent)].append(float(level))
    for (code, agent), values in levels.items():
        out[f"bars.{code}"][agent] = mean_of(values)
    return out


def _feedback(agent_ids: list[int], cycle: Cycle | None) -> dict[str, Values]:
    if cycle is None:
        return {"feedback.mean": {}}
    values: Values = {}
    for agent, summary in feedback_selectors.summaries(cycle, agent_ids).items():
        shown = summary.aggregate
        if shown.shown and shown.overall is not None:
            values[agent] = Estimate(shown.overall, shown.raters)
    return {"feedback.mean": values}


def collect(
    keys: Iterable[str], agent_ids: list[int], start: date, end: date, cycle: Cycle | None = None
) -> dict[str, Values]:
    """{source key: {agent id: Estimate}} for the agents over start … end (local days);
    agents without a figure are absent. Unknown keys are answered empty."""
    wanted = set(keys)
    out: dict[str, Values] = {key: {} for key in wanted}
    kpis = {k.removeprefix("kpi.") for k in wanted if k.startswith("kpi.")}
    if kpis:
        out |= {
            f"kpi.{k}": v for k, v in _kpis(kpis & {*RATIOS, "nps"}, agent_ids, start, end).items()
        }
    parts: list[tuple[str, Callable[[set[str]], dict[str, Values]]]] = [
        ("qa.", lambda ks: _qa(ks, agent_ids, start, end)),
        ("training.", lambda ks: _training(ks, agent_ids, start, end)),
        ("reviews.", lambda ks: _reviews(ks, agent_ids, start, end)),
        ("bars.", lambda ks: _bars(ks, agent_ids, cycle)),
    ]
    for prefix, reader in parts:
        subset = {k for k in wanted if k.startswith(prefix)}
        if subset:
            out |= reader(subset)
    if "feedback.mean" in wanted:
        out |= _feedback(agent_ids, cycle)
    return out


# --- shrinkage ----------------------------------------------------------------------------
def shrunk(key: str, values: Values, teams: dict[int, int | None]) -> dict[int, float]:
    """The figures moved towards their team's mean by empirical Bayes (only for sources
    from many observations of the agent); {} when the source is not shrinkable."""
    definition = source(key)
    if definition is None or not definition.shrinkable:
        return {}
    by_team: dict[int | None, list[int]] = defaultdict(list)
    for agent in values:
        by_team[teams.get(agent)].append(agent)
    out: dict[int, float] = {}
    for members in by_team.values():
        if definition.unit == "rate":
            counts = {
                a: (round((values[a].value or 0.0) * values[a].n), values[a].n) for a in members
            }
            out |= shrink_rates(counts)
        elif definition.unit == "nps":
            continue  # a difference of two shares: left as measured
        else:
            moments = {}
            for a in members:
                estimate = values[a]
                if estimate.value is None:
                    continue
                variance = _variance(estimate)
                moments[a] = (
                    estimate.n,
                    estimate.value * estimate.n,
                    (variance * (estimate.n - 1) + estimate.n * estimate.value**2)
                    if variance is not None
                    else estimate.n * estimate.value**2,
                )
            out |= shrink_means(moments)
    return out


def _variance(estimate: Estimate) -> float | None:
    """Back from a t interval to the sample variance."""
    if estimate.low is None or estimate.high is None or estimate.n < 2:
        return None
    half = (estimate.high - estimate.low) / 2
    return (half / t_quantile(estimate.n - 1)) ** 2 * estimate.n


# --- evidence -----------------------------------------------------------------------------
def evidence(
    key: str, agent_id: int, start: date, end: date, cycle: Cycle | None = None
) -> QuerySet[Conversation]:
    """The conversations behind an agent's figure (unrestricted: callers pass it through
    the access layer). Training figures have none (the training record shows them)."""
    conversations = Conversation.objects.all()
    if key.startswith("kpi."):
        name = key.removeprefix("kpi.")
        denominator = RATIOS[name][1] if name in RATIOS else "nps_n"
        ids = KpiFact.objects.filter(
            agent_id=agent_id, day__gte=start, day__lte=end, **{f"{denominator}__gt": 0}
        ).values("conversation_id")
        return conversations.filter(pk__in=ids)
    if key.startswith("qa."):
        results = QaResult.objects.filter(
            is_current=True, agent_id=agent_id, day__gte=start, day__lte=end
        )
        if key == "qa.fatal_rate":
            results = results.filter(fatal=True)
        return conversations.filter(pk__in=results.values("conversation_id"))
    if key.startswith("reviews."):
        kinds = [Kind.MYSTERY_SHOPPER] if key == "reviews.mystery" else [Kind.SAMPLED, Kind.MANUAL]
        reviews = Review.objects.filter(
            agent_id=agent_id,
            kind__in=kinds,
            status=ReviewStatus.SUBMITTED,
            **periods.lookups("submitted_at", start, end, configured_tz()),
        )
        return conversations.filter(pk__in=reviews.values("conversation_id"))
    if key.startswith("bars.") and cycle is not None:
        ratings = BarsRating.objects.filter(
            cycle=cycle, agent_id=agent_id, scale__code=key.removeprefix("bars.")
        )
        return conversations.filter(bars_ratings__in=ratings).distinct()
    return conversations.none()
