"""What the practice pages show, built from stored rows: a practice's transcript with its
QA hits marked, the QA breakdown (the same presenters as a conversation's QA page), the
path the customer took with the trainer's notes, and error rates per week."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from types import SimpleNamespace
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from kefu.lib.errors import ActionError
from kefu.qa import presenters
from kefu.qa.core.figures import evidence_words, format_rate, format_score, highlight, score_band
from kefu.qa.models import ScorecardVersion
from kefu.training.actions.practice import compile_graph, lines_of
from kefu.training.core import dialogue
from kefu.training.core.practice_errors import (
    Fact,
    Period,
    calendar_weeks,
    error_rate,
    pooled,
    weeks_since_hire,
)
from kefu.training.models import Practice

WEEKS_SHOWN = 12  # weeks since hire at most on the new-hire chart


def transcript(practice: Practice, hits: list[dict] | None = None) -> list[dict]:
    """The practice's messages (m1, m2, …) for the chat, with the hits resting on each and
    their evidence words highlighted; customer lines name how the customer got there."""
    try:
        scenario: dialogue.Scenario | None = compile_graph(practice.graph)
    except ActionError:  # a definition no longer valid (lexicon renamed): the text only
        scenario = None
    on: dict[str, list[dict]] = defaultdict(list)
    for hit in hits or []:
        for message_id in hit.get("messages", []):
            on[message_id].append(hit)
    out = []
    for n, line in enumerate(lines_of(practice), start=1):
        message_id = f"m{n}"
        marks = on.get(message_id, [])
        words = {w for h in marks for w in evidence_words(h.get("evidence"))}
        route = dialogue.route_of(scenario, line.route) if scenario and line.route else None
        note, good = (route.note, route.good) if route else ("", None)
        if scenario and line.route.endswith(".otherwise"):
            came_from = scenario.nodes.get(line.route.removesuffix(".otherwise"))
            note, good = (came_from.otherwise_note if came_from else ""), False
        out.append(
            {
                "n": n,
                "id": message_id,
                "role": line.role,
                "text": line.text,
                "html": mark_safe(highlight(line.text, words)),  # escaped by highlight()
                "at": line.at,
                "node": line.node,
                "route": line.route,
                "note": note,
                "good": good,
                "fallback": line.route.endswith(".otherwise"),
                "timeout": line.route == "max_turns",
                "hits": marks,
                "severity": _worst(h.get("severity", "") for h in marks),
            }
        )
    return out


def _worst(severities) -> str:
    found = set(severities)
    for severity in ("severe", "normal", "minor"):
        if severity in found:
            return severity
    return ""


def result(practice: Practice, lang: str) -> dict[str, Any]:
    """The finished practice's QA result: score, breakdown, hits with evidence, checks."""
    data = practice.qa_breakdown or {}
    score = float(practice.qa_score) if practice.qa_score is not None else None
    names = presenters.indicator_names(lang)
    version = (
        ScorecardVersion.objects.select_related("scorecard")
        .filter(pk=data.get("scorecard_version_id"))
        .first()
    )
    hits = [
        presenters.hit_chip(h["indicator"], h["severity"], h["type"], names, lang)
        | {
            "evidence": h.get("evidence", ""),
            "messages": h.get("messages", []),
            "positions": [int(m[1:]) for m in h.get("messages", []) if m[1:].isdigit()],
        }
        for h in data.get("hits", [])
    ]
    shim = SimpleNamespace(
        scorecard_version=version or SimpleNamespace(definition={}), items=data.get("items", [])
    )
    item_names = _item_names(version, lang)
    failed = set(data.get("failed", []))
    checks = [
        {"id": i, "name": item_names.get(i, i), "failed": i in failed}
        for i in data.get("checked", [])
    ]
    return {
        "score_text": format_score(score),
        "band": score_band(score),
        "passed": data.get("passed"),
        "fatal": data.get("fatal"),
        "scorecard": f"{version.scorecard.name} v{version.number}" if version else "",
        "breakdown": presenters.breakdown(shim, names, lang),  # type: ignore[arg-type]
        "hits": hits,
        "checks": checks,
        "errors": practice.errors,
        "check_count": practice.checks,
        "rate_text": format_rate(error_rate(practice.errors or 0, practice.checks or 0)),
        "transcript": transcript(practice, hits),
    }


def _item_names(version: ScorecardVersion | None, lang: str) -> dict[str, str]:
    from kefu.qa.core.figures import localized

    out = {}
    for section in (version.definition if version else {}).get("sections") or []:
        for item in section.get("items") or []:
            out[item.get("id")] = localized(item.get("name"), lang, item.get("id", ""))
    return out


# --- error rates ----------------------------------------------------------------------------
def facts_by_agent(practices: QuerySet[Practice]) -> dict[int, list[Fact]]:
    """Finished, scored practices as facts (local day of finishing), per agent id."""
    out: dict[int, list[Fact]] = defaultdict(list)
    rows = practices.filter(checks__gt=0, finished_at__isnull=False).values_list(
        "agent_id", "finished_at", "errors", "checks"
    )
    for agent_id, finished, errors, checks in rows.order_by():
        out[agent_id].append(Fact(timezone.localtime(finished).date(), errors or 0, checks))
    return out


def period_rows(periods: list[Period]) -> list[dict]:
    return [
        {
            "week": p.week,
            "start": p.start,
            "practices": p.practices,
            "errors": p.errors,
            "checks": p.checks,
            "rate": p.rate,
            "rate_text": format_rate(p.rate),
        }
        for p in periods
    ]


def my_weeks(facts: list[Fact], hired_on: date | None, tier: str) -> tuple[str, list[dict]]:
    """An agent's error rate over time: per week since hire for a new hire, per calendar
    week otherwise. Returns (kind, rows)."""
    if tier == "new" and hired_on is not None:
        return "hire", period_rows(weeks_since_hire(facts, hired_on))
    return "calendar", period_rows(calendar_weeks(facts))


def new_hire_rates(practices: QuerySet[Practice]) -> dict[str, Any]:
    """Each new hire's (tier "new") error rate per week since hire, and the cohort's."""
    practices = practices.filter(agent__tier="new", agent__hired_on__isnull=False)
    facts = facts_by_agent(practices)
    agents = {
        a["agent_id"]: a
        for a in practices.filter(agent_id__in=list(facts))
        .values(
            "agent_id", "agent__name", "agent__external_id", "agent__hired_on", "agent__team__name"
        )
        .order_by()
        .distinct()
    }
    rows, series = [], []
    for agent_id, agent_facts in facts.items():
        info = agents[agent_id]
        weeks = weeks_since_hire(agent_facts, info["agent__hired_on"])
        weeks = [p for p in weeks if p.week <= WEEKS_SHOWN]
        if not weeks:
            continue
        series.append(weeks)
        total_e, total_c = sum(p.errors for p in weeks), sum(p.checks for p in weeks)
        rows.append(
            {
                "agent_id": agent_id,
                "name": info["agent__name"],
                "external_id": info["agent__external_id"],
                "team": info["agent__team__name"] or "",
                "hired_on": info["agent__hired_on"],
                "practices": sum(p.practices for p in weeks),
                "first": weeks[0],
                "first_text": format_rate(weeks[0].rate),
                "last": weeks[-1],
                "last_text": format_rate(weeks[-1].rate),
                "rate_text": format_rate(error_rate(total_e, total_c)),
                "weeks": {p.week: p.rate for p in weeks},
            }
        )
    rows.sort(key=lambda r: (r["hired_on"], r["external_id"]))
    cohort = pooled(series)
    weeks_shown = range(1, max((p.week for p in cohort), default=1) + 1)
    chart = {
        "weeks": list(weeks_shown),
        "cohort": _by_week(cohort, weeks_shown),
        "agents": [
            {
                "name": f"{r['name']} ({r['external_id']})",
                "data": [_pct(r["weeks"].get(w)) for w in weeks_shown],
            }
            for r in rows
        ],
        "labels": {
            "cohort": _("All new hires"),
            "week": _("Week since hire"),
            "rate": _("Error rate (%)"),
        },
    }
    return {"rows": rows, "cohort": period_rows(cohort), "chart": chart}


def _pct(rate: float | None) -> float | None:
    return None if rate is None else round(rate * 100, 1)


def _by_week(periods: list[Period], weeks: range) -> list[float | None]:
    by = {p.week: p.rate for p in periods}
    return [_pct(by.get(w)) for w in weeks]
