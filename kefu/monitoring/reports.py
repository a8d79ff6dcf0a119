"""The interventions report: per month, by supervisor and by rule, how many
conversations supervisors stepped into and how many of them avoided escalation
(definitions in core/outcomes.py, docs/monitoring.md)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time

from django.db.models import QuerySet
from django.utils import timezone

from kefu.core import periods
from kefu.interactions.models import Conversation, Escalation
from kefu.monitoring.choices import InterventionKind
from kefu.monitoring.core.outcomes import Outcome, Tally, Touch, tally
from kefu.monitoring.models import Intervention
from kefu.qa.core.figures import format_rate


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    return (
        datetime.combine(start, time.min, tzinfo=tz),
        datetime.combine(end, time.max, tzinfo=tz),
    )


def touches_and_outcomes(
    interventions: QuerySet[Intervention], start: date, end: date
) -> tuple[list[Touch], dict[int, Outcome]]:
    low, high = _bounds(start, end)
    rows = (
        interventions.filter(created_at__gte=low, created_at__lte=high)
        .exclude(kind=InterventionKind.LISTEN)
        .values_list("conversation_id", "created_at", "supervisor__username", "alert__rule", "kind")
    )
    touches = [Touch(c, at, s or "", r or "", k) for c, at, s, r, k in rows]
    ids = sorted({t.conversation for t in touches})
    escalations: dict[int, list[datetime]] = defaultdict(list)
    for conversation_id, at in Escalation.objects.filter(conversation_id__in=ids).values_list(
        "conversation_id", "at"
    ):
        escalations[conversation_id].append(at)
    outcomes = {
        pk: Outcome(
            complaint=complaint,
            escalations=tuple(escalations.get(pk, ())),
            resolved=status in ("resolved", "closed") and resolved_at is not None,
            csat=csat,
        )
        for pk, complaint, status, resolved_at, csat in Conversation.objects.filter(
            pk__in=ids
        ).values_list("pk", "complaint", "status", "resolved_at", "csat")
    }
    return touches, outcomes


def _row(label: str, t: Tally) -> dict:
    return {
        "label": label,
        "interventions": t.interventions,
        "conversations": t.conversations,
        "avoided": t.avoided,
        "avoided_rate": t.avoided_rate,
        "avoided_text": format_rate(t.avoided_rate),
        "resolved_text": format_rate(t.resolved_rate),
        "csat_text": "—" if t.csat_mean is None else f"{t.csat_mean:.2f}",
        "suggestions": t.kinds.get(InterventionKind.SUGGESTION, 0),
        "takeovers": t.kinds.get(InterventionKind.TAKEOVER, 0),
        "escalations": t.kinds.get(InterventionKind.ESCALATE, 0),
    }


def interventions_report(
    interventions: QuerySet[Intervention], start: date, end: date, lang: str
) -> dict:
    from kefu.monitoring.live import rule_names

    touches, outcomes = touches_and_outcomes(interventions, start, end)
    tz = timezone.get_current_timezone()
    by_month = tally(touches, outcomes, lambda t: periods.month_key(t.at.astimezone(tz).date()))
    by_supervisor = tally(touches, outcomes, lambda t: t.supervisor)
    by_rule = tally(touches, outcomes, lambda t: t.rule)
    everything = tally(touches, outcomes, lambda t: "")
    names = rule_names()

    def rule_label(rule: str) -> str:
        if not rule:
            return "—"
        return names.get(rule, {}).get(lang) or rule

    months = periods.months_between(start, end)
    month_rows = [_row(m, by_month.get(m, Tally())) for m in months]
    return {
        "total": _row("", everything.get("", Tally())),
        "months": month_rows,
        "supervisors": sorted(
            (_row(s or "—", t) for s, t in by_supervisor.items()),
            key=lambda r: -r["conversations"],
        ),
        "rules": sorted(
            (_row(rule_label(r), t) for r, t in by_rule.items()), key=lambda r: -r["conversations"]
        ),
        "chart": {
            "months": months,
            "interventions": [r["conversations"] for r in month_rows],
            "avoided_rate": [
                None if r["avoided_rate"] is None else round(r["avoided_rate"], 4)
                for r in month_rows
            ],
        },
    }
