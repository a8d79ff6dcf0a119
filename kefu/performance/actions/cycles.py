"""Review cycles: create one, compute its reviews from the evidence, change templates.

`compute(cycle)` scores every agent with conversations in the period on the scorecard
of their tier (the newest version of the family; the standard card otherwise), through
kefu.performance.sources (figures with intervals, shrunk towards the team mean where a
figure rests on few observations) and kefu.performance.core.scoring (points, weights,
the absence rule as a factor on the development dimension). Re-computing rewrites the
figures and keeps calibration adjustments.
"""

from __future__ import annotations

import calendar
from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts.models import Agent
from kefu.audit.actions import record
from kefu.core.periods import quarter_key
from kefu.lib.errors import Conflict, Invalid
from kefu.metrics.models import KpiFact
from kefu.performance.choices import CycleKind, CycleStatus, Dimension
from kefu.performance.core import scoring
from kefu.performance.core.stats import Estimate
from kefu.performance.models import AgentScore, Cycle, Template, TemplateIndicator
from kefu.performance.sources import collect, shrunk, source
from kefu.training.figures import absence_penalties


# --- cycles -------------------------------------------------------------------------------
def period_of(kind: str, start: date) -> tuple[date, date]:
    """The first and last day of the month / quarter / year that `start` opens; a start
    that does not open one is refused."""
    if kind == CycleKind.MONTH:
        if start.day != 1:
            raise Invalid(_("A monthly cycle starts on the first of a month."))
        return start, start.replace(day=calendar.monthrange(start.year, start.month)[1])
    if kind == CycleKind.QUARTER:
        if start.day != 1 or start.month not in (1, 4, 7, 10):
            raise Invalid(_("A quarterly cycle starts on 1 January, April, July or October."))
        last_month = start.month + 2
        return start, start.replace(
            month=last_month, day=calendar.monthrange(start.year, last_month)[1]
        )
    if kind == CycleKind.YEAR:
        if (start.month, start.day) != (1, 1):
            raise Invalid(_("An annual cycle starts on 1 January."))
        return start, start.replace(month=12, day=31)
    raise Invalid(_("Unknown cycle kind."))


def default_name(kind: str, start: date) -> str:
    if kind == CycleKind.MONTH:
        return _("%(year)d-%(month)02d monthly review") % {"year": start.year, "month": start.month}
    if kind == CycleKind.QUARTER:
        return _("%(quarter)s quarterly review") % {"quarter": quarter_key(start)}
    return _("%(year)d annual review") % {"year": start.year}


def create_cycle(user, kind: str, start: date, name: str = "") -> Cycle:
    first, last = period_of(kind, start)
    if Cycle.objects.filter(kind=kind, start=first).exists():
        raise Conflict(_("That cycle exists already."))
    cycle = Cycle.objects.create(
        name=name.strip() or default_name(kind, first),
        kind=kind,
        start=first,
        end=last,
        created_by=user,
    )
    record(
        "performance.cycle_created",
        user=user,
        object_type="performance.cycle",
        object_id=str(cycle.pk),
        detail={"kind": kind, "start": first.isoformat()},
    )
    return cycle


# --- templates ----------------------------------------------------------------------------
def current_templates() -> dict[str, Template]:
    """tier ("" = everyone else) → the newest version of each family's template."""
    newest: dict[str, Template] = {}
    for template in Template.objects.prefetch_related("indicators").order_by("family", "-version"):
        newest.setdefault(template.family, template)
    by_tier: dict[str, Template] = {}
    for template in newest.values():
        by_tier.setdefault(template.tier, template)
    return by_tier


def template_for(agent_tier: str, templates: dict[str, Template]) -> Template | None:
    return templates.get(agent_tier) or templates.get("")


def specs_of(template: Template) -> list[scoring.IndicatorSpec]:
    return [
        scoring.IndicatorSpec(
            line.source,
            line.dimension,
            line.weight,
            line.mapping,
            line.floor,
            line.target,
            tuple((float(a), float(b)) for a, b in line.bands or ()),
        )
        for line in template.indicators.all()
    ]


def new_version(user, template: Template, lines: list[dict], note: str) -> Template:
    """Save a changed scorecard as the family's next version (a version that computed a
    cycle is never edited: the reviews computed with it keep their meaning)."""
    problems = []
    specs = []
    for number, values in enumerate(lines, start=1):
        spec = scoring.IndicatorSpec(
            values["source"],
            values["dimension"],
            float(values["weight"]),
            values.get("mapping", scoring.LINEAR),
            values.get("floor"),
            values.get("target"),
            tuple(tuple(b) for b in values.get("bands") or ()),  # type: ignore[misc]
        )
        if source(spec.source) is None:
            problems.append({"line": number, "field": "source", "error": _("Unknown figure.")})
        if spec.dimension not in Dimension.values:
            problems.append(
                {"line": number, "field": "dimension", "error": _("Unknown dimension.")}
            )
        problems.extend(
            {"line": number, "field": "mapping", "error": text} for text in spec.validate()
        )
        specs.append(spec)
    if not specs:
        problems.append({"line": 0, "field": "lines", "error": _("A scorecard needs a figure.")})
    if problems:
        raise Invalid(_("The scorecard has errors."), problems)
    latest = Template.objects.filter(family=template.family).order_by("-version").first()
    assert latest is not None
    with transaction.atomic():
        created = Template.objects.create(
            family=template.family,
            version=latest.version + 1,
            name=template.name,
            tier=template.tier,
            note=note,
            created_by=user,
        )
        TemplateIndicator.objects.bulk_create(
            TemplateIndicator(
                template=created,
                position=position,
                dimension=spec.dimension,
                source=spec.source,
                weight=spec.weight,
                mapping=spec.mapping,
                floor=spec.floor,
                target=spec.target,
                bands=[list(b) for b in spec.bands],
            )
            for position, spec in enumerate(specs)
        )
    record(
        "performance.template_version",
        user=user,
        object_type="performance.template",
        object_id=str(created.pk),
        detail={"family": created.family, "version": created.version, "note": note},
    )
    return created


# --- computing ----------------------------------------------------------------------------
def _development_cuts(cycle: Cycle) -> dict[int, float]:
    """The training absence rule per agent: the quarter's cut for a monthly or quarterly
    cycle; for an annual one, the largest cut of its quarters."""
    if cycle.kind == CycleKind.YEAR:
        cuts: dict[int, float] = {}
        for month in (1, 4, 7, 10):
            for agent, cut in absence_penalties(
                quarter_key(cycle.start.replace(month=month))
            ).items():
                cuts[agent] = max(cuts.get(agent, 0.0), cut)
        return cuts
    return absence_penalties(quarter_key(cycle.start))


def agents_in(cycle: Cycle) -> list[Agent]:
    """The agents reviewed in a cycle: those with conversations in its period."""
    ids = (
        KpiFact.objects.filter(day__gte=cycle.start, day__lte=cycle.end, agent__isnull=False)
        .values_list("agent_id", flat=True)
        .distinct()
    )
    return list(Agent.objects.filter(pk__in=ids).order_by("pk"))


def compute(cycle: Cycle, user=None) -> int:
    """Compute (or re-compute) every agent's review of the cycle; the number written."""
    if cycle.status == CycleStatus.CLOSED:
        raise Conflict(_("A closed cycle is not recomputed."))
    agents = agents_in(cycle)
    templates = current_templates()
    chosen = {agent.pk: template_for(agent.tier, templates) for agent in agents}
    specs = {t.pk: specs_of(t) for t in {t for t in chosen.values() if t is not None}}
    keys = {spec.source for lines in specs.values() for spec in lines}
    ids = [agent.pk for agent in agents]
    figures = collect(keys, ids, cycle.start, cycle.end, cycle)
    teams = {agent.pk: agent.team_id for agent in agents}
    moved = {key: shrunk(key, values, teams) for key, values in figures.items()}
    cuts = _development_cuts(cycle)
    rows = []
    for agent in agents:
        template = chosen[agent.pk]
        if template is None:
            continue
        estimates: dict[str, Estimate] = {}
        for key in {spec.source for spec in specs[template.pk]}:
            measured = figures.get(key, {}).get(agent.pk)
            if measured is None:
                continue
            value = moved.get(key, {}).get(agent.pk, measured.value)
            estimates[key] = Estimate(value, measured.n, measured.low, measured.high)
        cut = cuts.get(agent.pk, 0.0)
        factors = {Dimension.DEVELOPMENT.value: 1 - cut} if cut else {}
        result, lines = scoring.review(specs[template.pk], estimates, factors)
        details = [
            {
                "source": entry.spec.source,
                "dimension": entry.spec.dimension,
                "weight": entry.spec.weight,
                "value": _measured(figures, entry.spec.source, agent.pk),
                "shrunk": moved.get(entry.spec.source, {}).get(agent.pk),
                "n": entry.estimate.n,
                "low": entry.estimate.low,
                "high": entry.estimate.high,
                "points": entry.points,
                "points_low": entry.points_low,
                "points_high": entry.points_high,
                "factor": entry.factor,
            }
            for entry in lines
        ]
        rows.append(
            AgentScore(
                cycle=cycle,
                agent=agent,
                team_id=agent.team_id,
                template=template,
                score=result.score,
                score_low=result.low,
                score_high=result.high,
                dimensions=result.dimensions | ({"development_cut": cut} if cut else {}),
                details=details,
            )
        )
    with transaction.atomic():
        AgentScore.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["cycle", "agent"],
            update_fields=[
                "team",
                "template",
                "score",
                "score_low",
                "score_high",
                "dimensions",
                "details",
                "computed_at",
            ],
        )
        AgentScore.objects.filter(cycle=cycle).exclude(agent_id__in=ids).delete()
        cycle.computed_at = timezone.now()
        cycle.save(update_fields=["computed_at"])
    record(
        "performance.cycle_computed",
        user=user,
        object_type="performance.cycle",
        object_id=str(cycle.pk),
        detail={"reviews": len(rows)},
    )
    return len(rows)


def _measured(figures: dict, key: str, agent_id: int) -> float | None:
    estimate = figures.get(key, {}).get(agent_id)
    return None if estimate is None else estimate.value
