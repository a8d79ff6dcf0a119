"""What the QA pages show, read through the scoped selectors (`kefu.qa.selectors`).

Figures are defined once in `core.figures` (the compliance rate, score bands). The
results list and a conversation's page read QaResult / QaHit on their indexes; the
dashboard and the agent summaries read the roll-ups (`kefu.qa.rollups`: current results
and hits summed per month and per day), so a year costs about as much as a week. Both
are assembled as plain dicts: the templates render the tables and hand the chart parts
to the page scripts with `json_script`.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from django.db.models import Max, Prefetch, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts.access import ALL, own_agent_id, scope_condition, supervised_team_ids
from kefu.accounts.models import Agent
from kefu.core import periods
from kefu.interactions.models import Conversation
from kefu.lib import paging
from kefu.lib.default_periods import thin_month_note
from kefu.lib.language import language  # noqa: F401  (qa.views reads dashboards.language)
from kefu.qa import rollups
from kefu.qa.core import figures
from kefu.qa.core.figures import (
    compliance_rate,
    format_rate,
    format_score,
    score_band,
    severity_label,
    type_label,
)
from kefu.qa.core.indicators import SEVERITIES, TYPES
from kefu.qa.forms import ResultFilterForm
from kefu.qa.models import Grain, HitRollup, QaHit, QaResult, ResultRollup

# conversation_page and indicator_names are not used here: re-exported for qa.views.
from kefu.qa.presenters import (  # noqa: F401
    classify,
    conversation_page,
    hit_chip,
    indicator_catalogue,
    indicator_choices,
    indicator_names,
)

SUMMARY_MONTHS = 12
TOP_INDICATORS = 10
TOP_AGENTS = 10
CUSTOMER_RISK = "customer_risk"  # the indicator type that describes the customer


# --- which index a query walks ----------------------------------------------------------
# The selectors keep current rows with `is_current=True`, which Django writes as
# `WHERE is_current`: SQLite cannot match that to the first column of the (is_current,
# day…) indexes. Written `is_current IN (1)` it can, and a query over everybody then walks
# those indexes in day order instead of scanning and sorting 1M rows. A query narrowed to
# an agent (or a team, where the table has a (team, day) index) must NOT get it: the
# planner, without statistics, would pick the (is_current, day) index over the (agent,
# day) one and read the whole period instead of the agent's rows.
AGENT, TEAM = "agent", "team"


def _has_index(model, *fields: str) -> bool:
    return any(list(index.fields[: len(fields)]) == list(fields) for index in model._meta.indexes)


def narrowing(user, *, agent=None, team=None) -> str:
    """How a query of this user (and filters) is narrowed: AGENT, TEAM or "" (everybody,
    or nothing at all)."""
    if agent is not None:
        return AGENT
    if team is not None:
        return TEAM
    if scope_condition(user) is ALL:
        return ""
    if supervised_team_ids(user):
        return TEAM
    return AGENT if own_agent_id(user) is not None else ""


def current_rows(qs: QuerySet, narrowed: str) -> QuerySet:
    """The selectors' current results or hits, written for the index that fits."""
    if narrowed == AGENT and _has_index(qs.model, "agent", "day"):
        return qs
    if narrowed == TEAM and _has_index(qs.model, "team", "day"):
        return qs
    return qs.filter(is_current__in=[True])


def hit_counts(hit_rollups: QuerySet[HitRollup], start: date, end: date) -> list[tuple]:
    """(day or first of month, indicator, hits) over start…end from the roll-ups, each
    part grouped in the order of the (grain, period, indicator…) key."""
    out: list[tuple] = []
    for part in rollups.in_period(hit_rollups, start, end):
        out += part.order_by().values_list("period", "indicator").annotate(n=Sum("hits"))
    return out


def _newest_result_day() -> date | None:
    """Not personal: one index probe on (is_current, day)."""
    from kefu.interactions.importer import accepted_days

    current = QaResult.objects.filter(is_current=True, day__range=accepted_days())
    return current.aggregate(last=Max("day"))["last"]  # not a stray year 9999


def default_months_noted(months: int = SUMMARY_MONTHS) -> tuple[tuple[date, date], str]:
    """The `months` calendar months ending with the newest month with substantial
    results (`default_end`; today's when nothing is scored), and what the page says when
    it passed over a thin month."""
    end = default_end(_newest_result_day())
    return periods.months_ending(end.day or timezone.localdate(), months), thin_month_note(
        end, scored=True
    )


def default_end(last: date | None) -> periods.DefaultEnd:
    """`last`, unless its month is thin in scored results against the months before it
    (`kefu.core.periods.default_end`; the monthly roll-ups, a few hundred rows)."""
    if last is None:
        return periods.DefaultEnd(None)
    since = (last.replace(day=1) - timedelta(days=400)).replace(day=1)
    rows = (
        ResultRollup.objects.filter(grain=Grain.MONTH, period__gte=since, period__lte=last)
        .values_list("period")
        .annotate(n=Sum("scored"))
        .order_by("period")
    )
    return periods.default_end(last, [(period, n or 0) for period, n in rows])


# --- the results list: keyset pages on (day, pk), newest first --------------------------
def key_page(
    qs: QuerySet, key: str, *, after: str | None, before: str | None, size: int
) -> tuple[list[tuple[date, int]], str | None, str | None]:
    """(day, result id) of one page newest first, with the cursors to the older and the
    newer page: one indexed range walk of size + 1 rows however deep. `key` names the
    result id in `qs` (pk of results, result_id of hits)."""
    page = paging.seek(
        qs.values_list("day", key), field="day", key=key, after=after, before=before,
        size=size, cursor=paging.DAY, position=tuple,
    )  # fmt: skip
    return page.items, page.next_cursor, page.prev_cursor


def result_page(
    form: ResultFilterForm,
    results: QuerySet[QaResult],
    hits: QuerySet[QaHit],
    *,
    after: str | None,
    before: str | None,
    size: int,
) -> tuple[paging.KeysetPage, QuerySet]:
    """One page of the matching results (scoped query sets) and the query set that
    counts them. With an indicator chosen the page walks that indicator's hits (one per
    result), otherwise the results; either way newest first on an index."""
    if form.by_indicator:
        matching: QuerySet = form.filter_hits(hits)
        key = "result_id"
    else:
        matching = form.filter(results)
        key = "pk"
    keys, following, preceding = key_page(matching, key, after=after, before=before, size=size)
    ids = [pk for _day, pk in keys]
    rows = list_rows(QaResult.objects.filter(pk__in=ids)).in_bulk(ids) if ids else {}
    items = [rows[pk] for pk in ids if pk in rows]
    return paging.KeysetPage(items, following, preceding), matching


def list_rows(qs: QuerySet[QaResult]) -> QuerySet[QaResult]:
    """What a row shows in a constant number of queries: agent and team joined (LEFT
    joins keep the walk of the result index first); the conversations and hits of the
    page by pk IN (page)."""
    conversations = Conversation.objects.only("external_id", "created_at", "channel")
    hits = QaHit.objects.only("result_id", "indicator", "severity", "type").order_by("pk")
    return (
        qs.select_related("agent", "team")
        .prefetch_related(
            Prefetch("conversation", queryset=conversations),
            Prefetch("hits", queryset=hits),
        )
        .defer("items")
    )


def decorate_rows(items: list[QaResult], names: dict[str, str], lang: str) -> None:
    for result in items:
        result.band = score_band(result.score)
        result.score_text = format_score(result.score)
        result.chips = [
            hit_chip(h.indicator, h.severity, h.type, names, lang) for h in result.hits.all()
        ]


# --- monthly figures -------------------------------------------------------------------------
def monthly_results(
    result_rollups: QuerySet[ResultRollup], start: date, end: date, months: list[str]
) -> dict[str, dict]:
    """month → scored, passed, fatal, score sum over start…end, from the roll-ups."""
    out = {m: _empty_month() for m in months}
    for part in rollups.in_period(result_rollups, start, end):
        rows = (
            part.order_by()
            .values_list("period")
            .annotate(
                scored=Sum("scored"),
                passed=Sum("passed"),
                fatal=Sum("fatal"),
                centi=Sum("score_centi"),
            )
        )
        for period, scored, passed, fatal, centi in rows:
            month = out.setdefault(periods.month_key(period), _empty_month())
            month["scored"] += scored
            month["passed"] += passed
            month["fatal"] += fatal
            month["total"] += (centi or 0) / 100
    return out


def _empty_month() -> dict:
    return {"scored": 0, "passed": 0, "fatal": 0, "total": 0.0}


def totals_of(monthly: dict[str, dict]) -> dict:
    scored = sum(m["scored"] for m in monthly.values())
    passed = sum(m["passed"] for m in monthly.values())
    fatal = sum(m["fatal"] for m in monthly.values())
    total = sum(m["total"] for m in monthly.values())
    rate = compliance_rate(passed, scored)
    mean = figures.mean(total, scored)
    return {
        "scored": scored,
        "passed": passed,
        "failed": scored - passed,
        "fatal": fatal,
        "rate": rate,
        "rate_text": format_rate(rate),
        "mean": mean,
        "mean_text": format_score(mean),
    }


def trend_chart(monthly: dict[str, dict], months: list[str]) -> dict:
    """ECharts data: compliance rate and mean score by month (None = no results)."""
    rates, means, scored = [], [], []
    for month in months:
        m = monthly[month]
        rate = compliance_rate(m["passed"], m["scored"])
        mean = figures.mean(m["total"], m["scored"])
        rates.append(None if rate is None else round(rate, 4))
        means.append(None if mean is None else round(mean, 2))
        scored.append(m["scored"])
    return {
        "months": months,
        "rate": {"name": _("QA compliance rate"), "values": rates,
                 "text": [format_rate(r) for r in rates]},
        "mean": {"name": _("Mean score"), "values": means,
                 "text": [format_score(v) for v in means]},
        "scored": {"name": _("Scored conversations"), "values": scored},
    }  # fmt: skip


# --- the per-agent summary -------------------------------------------------------------------
def agent_summary(
    result_rollups: QuerySet[ResultRollup],
    hit_rollups: QuerySet[HitRollup],
    hits: QuerySet[QaHit],
    agent: Agent,
    start: date,
    end: date,
    lang: str,
) -> dict:
    """Compliance rate, mean score, results, top indicators and the monthly trend of one
    agent's current results (query sets already scoped by the caller)."""
    catalogue = indicator_catalogue(lang)
    names = {key: kind.name for key, kind in catalogue.items()}
    months = periods.months_between(start, end)
    monthly = monthly_results(result_rollups.filter(agent_id=agent.pk), start, end, months)
    totals = totals_of(monthly)
    counts: Counter = Counter()
    for _period, indicator, n in hit_counts(hit_rollups.filter(agent_id=agent.pk), start, end):
        counts[indicator] += n
    kinds = classify(hits.filter(agent=agent), set(counts), catalogue)
    # The agent's own lapses apart from what their customers showed (anger, churn
    # talk…): customer-risk indicators describe the customer, not the service.
    top: list[dict] = []
    customers: list[dict] = []
    for indicator, n in counts.most_common():
        kind, severity = kinds[indicator]
        rows = customers if kind == CUSTOMER_RISK else top
        if len(rows) < TOP_INDICATORS:
            rows.append(
                hit_chip(indicator, severity, kind, names, lang)
                | {"hits": n, "share_text": format_rate(_share(n, totals["scored"]))}
            )
    return {
        "totals": totals,
        "top": top,
        "customers": customers,
        "trend": trend_chart(monthly, months),
    }


def _share(n: int, of: int) -> float | None:
    return n / of if of else None


# --- the problem dashboard -------------------------------------------------------------------
def dashboard(
    result_rollups: QuerySet[ResultRollup],
    hit_rollups: QuerySet[HitRollup],
    hits: QuerySet[QaHit],
    start: date,
    end: date,
    indicator: str,
    lang: str,
) -> dict:
    """Compliance by month, hit frequency by problem type × severity × month, the
    indicators' frequency and the agents with the most hits of one indicator, from the
    roll-ups in the user's scope (and team). `hits` (scoped raw hits) only names the
    type and severity of indicators deleted since."""
    catalogue = indicator_catalogue(lang)
    names = {key: kind.name for key, kind in catalogue.items()}
    months = periods.months_between(start, end)
    monthly = monthly_results(result_rollups, start, end, months)
    totals = totals_of(monthly)

    rows = hit_counts(hit_rollups, start, end)
    kinds = classify(
        hits.filter(day__gte=start, day__lte=end), {key for _d, key, _n in rows}, catalogue
    )
    by_type: dict[str, Counter] = {t: Counter() for t in TYPES}
    by_severity: dict[str, Counter] = {s: Counter() for s in SEVERITIES}
    matrix: Counter = Counter()
    per_indicator: Counter = Counter()
    for day, key, n in rows:
        month = periods.month_key(day)
        kind, severity = kinds[key]
        by_type.setdefault(kind, Counter())[month] += n
        by_severity.setdefault(severity, Counter())[month] += n
        matrix[(kind, severity)] += n
        per_indicator[key] += n
    total_hits = sum(per_indicator.values())

    frequency = {
        "months": months,
        "type": {
            "label": _("By problem type"),
            "series": [
                {"key": k, "name": type_label(k, lang), "values": [c[m] for m in months]}
                for k, c in by_type.items()
            ],
        },
        "severity": {
            "label": _("By severity"),
            "series": [
                {"key": k, "name": severity_label(k, lang), "values": [c[m] for m in months]}
                for k, c in by_severity.items()
            ],
        },
    }
    heatmap = {
        "types": [type_label(t, lang) for t in by_type],
        "severities": [severity_label(s, lang) for s in by_severity],
        "cells": [
            [si, ti, matrix[(t, s)]]
            for ti, t in enumerate(by_type)
            for si, s in enumerate(by_severity)
        ],
        "max": max(matrix.values(), default=0),
    }
    indicators = []
    for key, n in per_indicator.most_common():
        kind, severity = kinds[key]
        indicators.append(
            hit_chip(key, severity, kind, names, lang)
            | {"hits": n, "share_text": format_rate(_share(n, totals["scored"]))}
        )
    chosen = indicator if indicator in names else default_indicator(indicators)
    return {
        "totals": totals | {"hits": total_hits},
        "trend": trend_chart(monthly, months),
        "frequency": frequency,
        "heatmap": heatmap,
        "indicators": indicators,
        "indicator": chosen,
        "indicator_name": names.get(chosen, chosen),
        "indicator_choices": indicator_choices(names),
        "top_agents": top_agents(result_rollups, hit_rollups, chosen, start, end) if chosen else [],
    }


def default_indicator(indicators: list[dict]) -> str:
    """The indicator whose top agents are shown first: the most frequent one about the
    agent's service (customer-risk indicators describe the customer, not the agent)."""
    for row in indicators:
        if row["type"] != CUSTOMER_RISK:
            return row["indicator"]
    return indicators[0]["indicator"] if indicators else ""


def top_agents(
    result_rollups: QuerySet[ResultRollup],
    hit_rollups: QuerySet[HitRollup],
    indicator: str,
    start: date,
    end: date,
) -> list:
    """The agents with the most hits of an indicator, with their scored results and the
    share of them the indicator hit (each result has at most one hit per indicator)."""
    counts: Counter = Counter()
    chosen = hit_rollups.filter(indicator=indicator, agent_id__gt=0)
    for part in rollups.in_period(chosen, start, end):
        counts.update(dict(part.order_by().values_list("agent_id").annotate(n=Sum("hits"))))
    top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_AGENTS]
    if not top:
        return []
    ids = [agent_id for agent_id, _n in top]
    scored: Counter = Counter()
    for part in rollups.in_period(result_rollups.filter(agent_id__in=ids), start, end):
        scored.update(dict(part.order_by().values_list("agent_id").annotate(n=Sum("scored"))))
    agents = Agent.objects.select_related("team").in_bulk(ids)
    out = []
    for agent_id, n in top:
        agent = agents.get(agent_id)
        if agent is None:
            continue
        of = scored.get(agent_id, 0)
        out.append(
            {
                "agent": agent,
                "hits": n,
                "scored": of,
                "share_text": format_rate(_share(n, of)),
            }
        )
    return out
