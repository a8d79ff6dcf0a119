"""Feedback rhythms (seeds: immediate, weekly, monthly summary).

Immediate: the actions of ratings, interviews and plans notify the agent when something
about them is recorded. Weekly and monthly: `kefu performance_feedback --rhythm weekly`
(or monthly) sends each agent with a log-in a summary of the last whole week (Monday to
Sunday) or month: their QA score (mean of the current automatic QA results of the
period, the QA pages' definition) and number of QA hits, the behaviour ratings they
received and the check-ins of their improvement plans.

Idempotent per agent and period: the notification itself is the record (kind
`performance.summary.<rhythm>`, params.period the period's key, e.g. "2024-W18" or
"2024-05"); an agent who has it for the period is skipped, so running the command twice,
or by several schedulers, never sends the same period twice.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.db.models import Count, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_noop

from kefu.accounts.models import Agent
from kefu.audit.actions import record
from kefu.core import periods
from kefu.lib.localtime import configured_tz
from kefu.notifications.actions import notify
from kefu.notifications.models import Notification
from kefu.performance.core.methods import RHYTHMS, Period, last_complete
from kefu.performance.models import BarsRating, PlanCheckin
from kefu.qa.core.figures import format_score, mean
from kefu.qa.models import QaHit, QaResult

TITLES = {
    "weekly": gettext_noop(
        "Weekly summary %(period)s: QA score %(qa_score)s over %(qa_scored)s conversations, "
        "%(qa_hits)s QA hits, %(ratings)s behaviour ratings, %(checkins)s plan check-ins"
    ),
    "monthly": gettext_noop(
        "Monthly summary %(period)s: QA score %(qa_score)s over %(qa_scored)s conversations, "
        "%(qa_hits)s QA hits, %(ratings)s behaviour ratings, %(checkins)s plan check-ins"
    ),
}


@dataclass(frozen=True)
class Sent:
    period: Period
    sent: int
    skipped: int  # already had this period's summary


def kind_of(rhythm: str) -> str:
    return f"performance.summary.{rhythm}"


def figures(period: Period, agent_ids: list[int]) -> dict[int, dict]:
    """agent id → the summary's figures for the period."""
    qa = {
        agent: (n, total)
        for agent, n, total in QaResult.objects.filter(
            is_current=True, agent_id__in=agent_ids, day__gte=period.start, day__lte=period.end
        )
        .order_by()
        .values("agent_id")
        .annotate(n=Count("pk"), total=Sum("score"))
        .values_list("agent_id", "n", "total")
    }
    hits = dict(
        QaHit.objects.filter(
            is_current=True, agent_id__in=agent_ids, day__gte=period.start, day__lte=period.end
        )
        .order_by()
        .values("agent_id")
        .annotate(n=Count("pk"))
        .values_list("agent_id", "n")
    )
    window = periods.lookups("created_at", period.start, period.end, configured_tz())
    ratings = Counter(
        BarsRating.objects.filter(agent_id__in=agent_ids, **window).values_list(
            "agent_id", flat=True
        )
    )
    checkins = Counter(
        PlanCheckin.objects.filter(
            plan__agent_id__in=agent_ids, on__gte=period.start, on__lte=period.end
        ).values_list("plan__agent_id", flat=True)
    )
    out = {}
    for agent_id in agent_ids:
        n, total = qa.get(agent_id, (0, 0.0))
        out[agent_id] = {
            "period": period.key,
            "qa_score": format_score(mean(total or 0.0, n)),
            "qa_scored": n,
            "qa_hits": hits.get(agent_id, 0),
            "ratings": ratings[agent_id],
            "checkins": checkins[agent_id],
        }
    return out


@transaction.atomic
def send_summaries(rhythm: str, *, today: date | None = None) -> Sent:
    """Send the last whole week's or month's summary to every agent with an active
    log-in who does not have it yet."""
    if rhythm not in RHYTHMS:
        raise ValueError(f"unknown rhythm {rhythm!r}")
    period = last_complete(rhythm, today or timezone.localdate())
    kind = kind_of(rhythm)
    agents = dict(
        Agent.objects.filter(user__isnull=False, user__is_active=True).values_list("pk", "user_id")
    )
    done = set(
        Notification.objects.filter(
            kind=kind, params__period=period.key, recipient_id__in=list(agents.values())
        ).values_list("recipient_id", flat=True)
    )
    due = [agent for agent, user in agents.items() if user not in done]
    url = reverse("performance:ratings")
    rows = figures(period, due)
    for agent_id in due:
        notify([agents[agent_id]], kind, TITLES[rhythm], url=url, params=rows[agent_id])
    record(
        "performance.summary",
        actor="performance_feedback",
        object_type="performance.summary",
        object_id=f"{rhythm}:{period.key}",
        detail={"sent": len(due), "skipped": len(done)},
    )
    return Sent(period, len(due), len(done))
