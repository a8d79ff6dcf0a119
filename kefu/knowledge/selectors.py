"""Scoped reads for the knowledge figures (`/knowledge/figures/`, its CSV, the KPI
workbook's sheet): the database's rows, through `kefu.accounts.access`, handed to the pure
definitions in `kefu.knowledge.core.figures`.

Scope: link and reuse rates count the conversations the user sees (agents their own,
supervisors their teams', QA and managers all); freshness counts the change requests the
user may judge (the knowledge owners all, anyone else those asked by themselves or by the
agents they see, so a supervisor gets their team's); overdue articles and the quality
index are the knowledge base's (what the user reads); searches not found are the search
log's, which only the knowledge owners see. `user=None` is everything (`kefu metrics`
without `--user`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from kefu.accounts import access
from kefu.accounts.models import Agent, Team
from kefu.core import periods
from kefu.interactions.choices import Status
from kefu.interactions.models import Conversation
from kefu.knowledge.choices import RequestKind, RequestStatus, SearchSource, State
from kefu.knowledge.core import figures as core
from kefu.knowledge.core import quality as quality_core
from kefu.knowledge.models import Article, ArticleLink, ArticleVersion, ChangeRequest, SearchLog
from kefu.lib.localtime import configured_tz

# a conversation counts once it is finished (resolved or closed)
FINISHED = (Status.RESOLVED, Status.CLOSED)
NOT_FOUND_LIMIT = 20
OVERDUE_LIST = 20


@dataclass
class Usage:
    """Link and reuse rates of one group (the period, a month, a team)."""

    closed: int = 0
    linked: int = 0
    new: int = 0

    @property
    def link_rate(self) -> float | None:
        return core.link_rate(self.closed, self.linked)

    @property
    def reuse_rate(self) -> float | None:
        return core.reuse_rate(self.linked, self.new)

    @property
    def healthy(self) -> bool | None:
        return core.in_band(self.link_rate)


@dataclass
class KnowledgeFigures:
    date_from: date
    date_to: date
    usage: Usage
    freshness: core.Freshness
    months: list[dict[str, Any]]
    teams: list[dict[str, Any]]
    quality_index: float | None
    quality_checklists: int
    overdue: int
    overdue_on: date
    overdue_articles: list[Article] = field(default_factory=list)
    not_found: list[tuple[str, int]] | None = None  # None: not the user's to see
    searches: int = 0


def _scoped(queryset: QuerySet, user) -> QuerySet:
    return queryset if user is None else access.restrict(queryset, user)


def _owner(user) -> bool:
    return user is None or access.manages_knowledge(user)


def _closed(user, date_from: date, date_to: date) -> QuerySet:
    links = ArticleLink.objects.filter(conversation=OuterRef("pk"))
    new = ChangeRequest.objects.filter(conversation=OuterRef("pk"), kind=RequestKind.NEW)
    return (
        _scoped(Conversation.objects.all(), user)
        .filter(status__in=FINISHED, **periods.lookups("created_at", date_from, date_to, _tz()))
        .annotate(has_link=Exists(links), has_new=Exists(new))
    )


def _tz():
    return configured_tz()


def _counts(qs: QuerySet, *group: str) -> list[dict[str, Any]]:
    return list(
        qs.values(*group)
        .annotate(
            closed=Count("pk"),
            linked=Count("pk", filter=Q(has_link=True)),
            new=Count("pk", filter=Q(has_link=False, has_new=True)),
        )
        .order_by(*group)
    )


def usage(user, date_from: date, date_to: date) -> Usage:
    qs = _closed(user, date_from, date_to)
    row = qs.aggregate(
        closed=Count("pk"),
        linked=Count("pk", filter=Q(has_link=True)),
        new=Count("pk", filter=Q(has_link=False, has_new=True)),
    )
    return Usage(row["closed"], row["linked"], row["new"])


def _month(value) -> str:
    day = value.date() if hasattr(value, "date") else value
    return periods.month_key(day)


def requests_for(user) -> QuerySet:
    """The change requests whose handling the user may measure (see the module)."""
    rows = ChangeRequest.objects.all()
    if _owner(user):
        return rows
    if not user.is_authenticated or not user.is_active:
        return rows.none()
    agents = access.restrict(Agent.objects.filter(user__isnull=False), user).values("user_id")
    return rows.filter(Q(requested_by=user) | Q(requested_by__in=agents))


def freshness_rows(user, date_from: date, date_to: date) -> list[tuple[str, float]]:
    """(month of the resolution, hours) of the requests resolved by a publication."""
    tz = _tz()
    rows = (
        requests_for(user)
        .filter(status=RequestStatus.RESOLVED, resolved_at__isnull=False)
        .filter(**periods.lookups("resolved_at", date_from, date_to, tz))
        .values_list("requested_at", "resolved_at")
    )
    return [
        (periods.month_key(resolved.astimezone(tz).date()), core.hours(requested, resolved))
        for requested, resolved in rows
    ]


def quality(user, date_from: date, date_to: date) -> tuple[float | None, int]:
    """The quality index of the versions reviewed (checklist filled when published) and
    written in the period, and how many checklists it averages."""
    checklists = [
        q
        for q in _scoped(ArticleVersion.objects.all(), user)
        .filter(
            reviewed_by__isnull=False, **periods.lookups("created_at", date_from, date_to, _tz())
        )
        .values_list("quality", flat=True)
        if q
    ]
    return quality_core.index(checklists), len(checklists)


def overdue_day(date_to: date) -> date:
    """Articles are counted overdue as of the period's last day, or today if earlier."""
    return min(date_to, timezone.localdate())


def overdue_articles(user, on: date) -> QuerySet:
    return (
        _scoped(Article.objects.select_related("owner"), user)
        .filter(published_version__isnull=False, review_due__lt=on)
        .exclude(state=State.ARCHIVED)
        .order_by("review_due", "pk")
    )


def not_found(user, date_from: date, date_to: date) -> tuple[list[tuple[str, int]] | None, int]:
    """The searches typed on the page or through the API that found nothing (the
    workspace's automatic searches are the customer's words, not a query), grouped."""
    if not _owner(user):
        return None, 0
    logs = _scoped(SearchLog.objects.all(), user).filter(
        source__in=(SearchSource.PAGE, SearchSource.API),
        **periods.lookups("at", date_from, date_to, _tz()),
    )
    queries = list(logs.filter(results=0).values_list("query", flat=True))
    return core.not_found(queries, NOT_FOUND_LIMIT), logs.count()


def knowledge_figures(user, date_from: date, date_to: date) -> KnowledgeFigures:
    tz = _tz()
    months_keys = periods.months_between(date_from, date_to)
    closed = _closed(user, date_from, date_to)
    by_month = {
        _month(row["month"]): row
        for row in _counts(closed.annotate(month=TruncMonth("created_at", tzinfo=tz)), "month")
    }
    rows = freshness_rows(user, date_from, date_to)
    fresh_by_month = core.freshness_by_month(rows, months_keys)
    months = []
    for key in months_keys:
        row = by_month.get(key, {})
        month_usage = Usage(row.get("closed", 0), row.get("linked", 0), row.get("new", 0))
        months.append({"month": key, "usage": month_usage, "freshness": fresh_by_month[key]})
    team_names = dict(Team.objects.values_list("pk", "name"))
    teams = [
        {
            "team": team_names.get(row["team_id"]),
            "usage": Usage(row["closed"], row["linked"], row["new"]),
        }
        for row in _counts(closed, "team_id")
    ]
    teams.sort(key=lambda t: (t["team"] is None, t["team"] or ""))
    quality_index, checklists = quality(user, date_from, date_to)
    on = overdue_day(date_to)
    overdue_qs = overdue_articles(user, on)
    missing, searches = not_found(user, date_from, date_to)
    total = Usage()
    for row in by_month.values():
        total.closed += row["closed"]
        total.linked += row["linked"]
        total.new += row["new"]
    return KnowledgeFigures(
        date_from=date_from,
        date_to=date_to,
        usage=total,
        freshness=core.freshness(hours for _m, hours in rows),
        months=months,
        teams=teams,
        quality_index=quality_index,
        quality_checklists=checklists,
        overdue=overdue_qs.count(),
        overdue_on=on,
        overdue_articles=list(overdue_qs[:OVERDUE_LIST]),
        not_found=missing,
        searches=searches,
    )
