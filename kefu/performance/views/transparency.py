"""The data-use statement (数据使用白皮书): every user reads which data about them the reviews
use, who sees it and for how long, how each scorecard turns figures into points, their
own reviews with the conversations behind them, and the fairness safeguards."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path

from kefu.accounts.access import own_agent_id, restrict
from kefu.accounts.models import Agent
from kefu.performance import links
from kefu.performance import transparency as statement
from kefu.performance.choices import Dimension
from kefu.performance.core import bias
from kefu.performance.models import AgentScore, BarsRating, PerformanceSettings

RATINGS_SHOWN = 50


@login_required
def transparency(request: HttpRequest) -> HttpResponse:
    user = request.user
    own = own_agent_id(user)
    agent = Agent.objects.select_related("team").filter(pk=own).first() if own else None
    settings = PerformanceSettings.current()
    cards = statement.scorecards(agent.tier if agent else None)
    context: dict = {
        "tab": "transparency",
        "agent": agent,
        "cards": cards,
        "families": statement.families_in_use(cards),
        "retention": statement.retention(),
        "settings": settings,
        "night_threshold": round(100 * bias.NIGHT_THRESHOLD),
    }
    if agent is not None:
        reviews = list(
            restrict(AgentScore.objects.filter(agent=agent), user)
            .select_related("cycle", "template")
            .prefetch_related("adjustments")
            .order_by("-cycle__start", "cycle__kind")
        )
        for review in reviews:
            review.review_link = links.review(review.cycle_id, agent.pk)
            review.dimension_rows = [
                (Dimension(code).label if code in Dimension.values else code, value)
                for code, value in (review.dimensions or {}).items()
            ]
            review.conversations_link = links.conversations(
                agent.external_id, review.cycle.start, review.cycle.end
            )
        context["reviews"] = reviews
        context["ratings"] = list(
            restrict(BarsRating.objects.filter(agent=agent), user)
            .select_related("cycle", "scale")
            .prefetch_related("evidence")
            .order_by("-cycle__start", "scale__code")[:RATINGS_SHOWN]
        )
    return render(request, "performance/transparency/page.html", context)


urls = [path("transparency/", transparency, name="transparency")]
