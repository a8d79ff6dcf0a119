"""The fairness page: a cycle's bias checks (score gaps by team, shift, channel and
tenure, raw and adjusted) and the rater flags. Managers see the department and the rater
flags; supervisors the checks over their teams' reviews only."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path

from kefu.accounts.access import restrict, supervised_team_ids
from kefu.accounts.roles import VIEW_ALL_PERFORMANCE
from kefu.performance import links, wording
from kefu.performance.core import bias
from kefu.performance.models import AgentScore, BarsRating
from kefu.performance.selectors.fairness import agent_factors, rater_report
from kefu.performance.views._fair import cycles_with_reviews, pick


def may_read(user) -> bool:
    """Managers (every review) and supervisors (their teams')."""
    return user.has_perm(VIEW_ALL_PERFORMANCE) or bool(supervised_team_ids(user))


def bias_tables(report: bias.Report) -> list[dict]:
    """Per factor: its reference group and one row per compared group, with the sentence."""
    tables = []
    for factor in bias.FACTORS:
        gaps = report.of(factor)
        reference = report.references.get(factor)
        tables.append(
            {
                "factor": factor,
                "label": wording.FACTORS[factor],
                "reference": wording.level(factor, reference) if reference else None,
                "reference_n": report.reference_sizes.get(factor),
                "reference_mean": wording.points(report.reference_means.get(factor)),
                "rows": [
                    {
                        "level": wording.level(factor, g.level),
                        "n": g.n,
                        "mean": wording.points(g.mean),
                        "raw": wording.effect(g.raw),
                        "adjusted": wording.effect(g.adjusted),
                        "verdict": g.verdict,
                        "verdict_label": wording.VERDICTS[g.verdict],
                        "sentence": wording.gap_sentence(g),
                    }
                    for g in gaps
                ],
            }
        )
    return tables


@login_required
def fairness(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not may_read(user):
        raise PermissionDenied
    full = user.has_perm(VIEW_ALL_PERFORMANCE)
    cycles = cycles_with_reviews(user)
    cycle = pick(cycles, request)
    context: dict = {"tab": "fairness", "cycles": cycles, "cycle": cycle, "full": full}
    if cycle is not None:
        report = bias.check(agent_factors(cycle, restrict(AgentScore.objects.all(), user)))
        context.update(
            report=report,
            summary=wording.summary(report),
            tables=bias_tables(report),
            cycle_link=links.cycle(cycle.pk),
            night_threshold=round(100 * bias.NIGHT_THRESHOLD),
            min_group=bias.MIN_GROUP,
        )
        if full:
            context["raters"] = rater_report(cycle, restrict(BarsRating.objects.all(), user))
    return render(request, "performance/fairness/page.html", context)


urls = [path("fairness/", fairness, name="fairness")]
