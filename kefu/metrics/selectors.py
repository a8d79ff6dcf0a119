"""Reading figures: scoped, grouped, from the stored statistics, through the one core.

Every page, the API, the CLI and the Excel export ask `figures()`; it sums the stored
statistics (`models.DailyKpi`, or `models.KpiFact` for customer segments) in SQL and
hands the sums to `core.kpis.finalize`, so the numbers are the core's definitions.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Max, Min, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth

from kefu.accounts.access import ALL, Condition, nothing, scope_condition
from kefu.accounts.models import Agent, Team
from kefu.core import periods
from kefu.core.periods import days_between, month_key, months_between
from kefu.metrics.core import distribution
from kefu.metrics.core.kpis import (
    BUSINESS_STATS,
    BUSINESS_TIME,
    CALENDAR_STATS,
    CALENDAR_TIME,
    STATS,
    TIMES,
    add_stats,
    finalize,
)
from kefu.metrics.facts import refresh
from kefu.metrics.models import BenchmarkSet, DailyKpi, KpiFact, Target

GROUPINGS = ("agent", "team", "channel", "month", "segment", "day")
_COLUMN = {
    "agent": "agent_id",
    "team": "team_id",
    "channel": "channel",
    "month": "day",
    "day": "day",
    "segment": "customer__segment",
}

Figures = dict[str, float | int | None]


@dataclass(frozen=True)
class Scope:
    """Which conversations a question is about: a period, the caller's visibility
    (a Q on agent_id/team_id from kefu.accounts.access, or ALL; nothing unless said) and
    optional narrowing to teams, agents or a channel; and which time the time figures are
    measured in (`kpis.TIMES`: calendar, the default, or business)."""

    date_from: date
    date_to: date
    visible: Condition = field(default_factory=nothing)
    team_ids: tuple[int, ...] = ()
    agent_ids: tuple[int, ...] = ()
    channel: str = ""
    time: str = CALENDAR_TIME

    def __post_init__(self) -> None:
        if self.time not in TIMES:
            raise ValueError(f"time must be one of {', '.join(TIMES)}")

    def narrow(self, **changes) -> Scope:
        values = {
            "date_from": self.date_from,
            "date_to": self.date_to,
            "visible": self.visible,
            "team_ids": self.team_ids,
            "agent_ids": self.agent_ids,
            "channel": self.channel,
            "time": self.time,
        }
        return Scope(**(values | changes))


@dataclass
class Group:
    key: object  # agent/team pk, channel, "2024-05", date, segment; None = unassigned
    label: str | None
    figures: Figures
    extra: dict = field(default_factory=dict)


def scope_for(user, date_from: date, date_to: date, **narrowing) -> Scope:
    return Scope(date_from, date_to, visible=scope_condition(user), **narrowing)


def _source(scope: Scope, by: str | None) -> QuerySet:
    model = KpiFact if by == "segment" else DailyKpi
    qs = model.objects.filter(day__gte=scope.date_from, day__lte=scope.date_to)
    if scope.visible is not ALL:
        qs = qs.filter(scope.visible)
    if scope.team_ids:
        qs = qs.filter(team_id__in=scope.team_ids)
    if scope.agent_ids:
        qs = qs.filter(agent_id__in=scope.agent_ids)
    if scope.channel:
        qs = qs.filter(channel=scope.channel)
    return qs.order_by()


def _sums(qs: QuerySet, column: str | None, time: str) -> dict[object, dict]:
    """The statistics `finalize` reads, summed per group. In business time each time
    statistic is summed from its business column under the calendar name
    (`kpis.business_view`, done by the database): as many sums as in calendar time."""
    business = time == BUSINESS_TIME
    aggregates = {
        k: Sum(BUSINESS_STATS[k] if business and k in BUSINESS_STATS else k) for k in CALENDAR_STATS
    }
    if column is None:
        row = qs.aggregate(**aggregates)
        return {None: row} if row["conversations"] else {}
    return {row.pop(column): row for row in qs.values(column).annotate(**aggregates)}


def _frt_counts(qs: QuerySet, column: str | None, time: str) -> dict[object, Counter]:
    business = time == BUSINESS_TIME
    counters: dict[object, Counter] = defaultdict(Counter)
    if qs.model is KpiFact:
        field_name = "biz_frt_s" if business else "frt_s"
        rows = qs.filter(frt_s__isnull=False).values_list(column or "channel", field_name)
        for key, frt in rows.iterator(chunk_size=20000):
            counters[key if column else None][frt] += 1
        return counters
    blobs = "biz_frt_counts" if business else "frt_counts"
    rows = qs.exclude(**{blobs: b""}).values_list(column or "channel", blobs)
    for key, blob in rows.iterator(chunk_size=20000):
        distribution.merge_into(counters[key if column else None], blob)
    return counters


def _bucket(sums: dict, frts: dict, key_of) -> tuple[dict, dict]:
    """Merge day groups into coarser ones (months)."""
    merged_sums: dict[object, list] = defaultdict(list)
    merged_frts: dict[object, Counter] = defaultdict(Counter)
    for day, stats in sums.items():
        merged_sums[key_of(day)].append(stats)
    for day, counter in frts.items():
        merged_frts[key_of(day)].update(counter)
    return {k: add_stats(v) for k, v in merged_sums.items()}, merged_frts


def grouped(scope: Scope, by: str | None, *, percentiles: bool = True) -> dict[object, Figures]:
    """{group key: figures}; the key is None when not grouped. Groups with no
    conversations are absent (see `figures` for the contract's filled-in lists).

    percentiles=False skips reading the FRT multisets (most of the cost of a long
    period): frt_median_s and frt_p90_s are then None. For charts that do not show them.
    scope.time "business": the time figures in business time (kpis.business_view), from
    the stored business-time statistics (same keys)."""
    if by is not None and by not in GROUPINGS:
        raise ValueError(f"by must be one of {', '.join(GROUPINGS)}")
    time = scope.time
    refresh()
    qs = _source(scope, by)
    column = _COLUMN[by] if by else None
    sums = _sums(qs, column, time)
    frts = _frt_counts(qs, column, time) if percentiles else {}
    if by == "month":
        sums, frts = _bucket(sums, frts, month_key)
    return {key: finalize(stats, frts.get(key, {})) for key, stats in sums.items()}


def grouped_stats(scope: Scope, by: str) -> dict[object, dict]:
    """{group key: the additive statistics} (before `finalize`): what a decomposition of a
    figure's change by group needs (`core.drivers`). Besides the groupings of `kefu
    metrics --by`, "scene": the conversation's category (first level of the taxonomy).
    In business time (scope.time) the time statistics are the business ones."""
    refresh()
    if by == "scene":  # per-conversation facts joined to their conversation's category
        return _sums(_source(scope, "segment"), "conversation__category1", scope.time)
    if by not in GROUPINGS or by in ("month", "day"):
        raise ValueError(f"by must be one of agent, team, channel, segment, scene, not {by}")
    return _sums(_source(scope, by), _COLUMN[by], scope.time)


def empty_figures() -> Figures:
    return finalize(dict.fromkeys(STATS, 0), {})


def totals(scope: Scope, *, percentiles: bool = True) -> Figures:
    return grouped(scope, None, percentiles=percentiles).get(None) or empty_figures()


def figures(
    scope: Scope, by: str | None = None, *, percentiles: bool = True
) -> Figures | list[Group]:
    """The contract's answer: one figures object, or one Group per group. Months and
    days of the period are all listed (empty ones with nulls); agents, teams, channels
    and segments are listed when they have conversations in scope."""
    if by is None:
        return totals(scope, percentiles=percentiles)
    result = grouped(scope, by, percentiles=percentiles)
    if by == "month":
        keys: Iterable = months_between(scope.date_from, scope.date_to)
    elif by == "day":
        keys = days_between(scope.date_from, scope.date_to)
    else:
        keys = result.keys()
    if by in ("month", "day"):
        return [Group(k, str(k), result.get(k) or empty_figures()) for k in keys]
    labels = group_labels(by, result.keys())
    groups = [Group(k, labels.get(k), result[k]) for k in keys]
    return sorted(groups, key=lambda g: (g.label is None, g.label or ""))


def group_labels(by: str, keys: Iterable) -> dict[object, str | None]:
    keys = [k for k in keys if k is not None]
    if by == "agent":
        return dict(Agent.objects.filter(pk__in=keys).values_list("pk", "external_id"))
    if by == "team":
        return dict(Team.objects.filter(pk__in=keys).values_list("pk", "name"))
    return {k: (str(k) if k != "" else None) for k in keys}


def contract_json(result: Figures | list[Group]) -> dict | list[dict]:
    """The `kefu metrics` / API shape: one object, or a list with "group" first."""
    if isinstance(result, dict):
        return result
    return [{"group": g.label, **g.figures} for g in result]


def data_range() -> tuple[date | None, date | None]:
    """First and last day with conversations (for sensible default periods)."""
    from kefu.interactions.importer import accepted_days

    refresh()
    days = DailyKpi.objects.filter(day__range=accepted_days())  # not a stray year 9999
    bounds = days.aggregate(first=Min("day"), last=Max("day"))
    return bounds["first"], bounds["last"]


def default_end() -> periods.DefaultEnd:
    """Where the default periods end: the last day with conversations, unless its month
    is thin against the months before it (`kefu.core.periods.default_end`)."""
    from kefu.interactions.importer import accepted_days

    _first, last = data_range()
    if last is None:
        return periods.DefaultEnd(None)
    accepted = DailyKpi.objects.filter(day__range=accepted_days())

    def months(until: date) -> list[tuple[date, int]]:
        """Records per month in the 13 months up to `until`."""
        since = (until.replace(day=1) - timedelta(days=370)).replace(day=1)
        rows = (
            accepted.filter(day__gte=since, day__lte=until)
            .annotate(month=TruncMonth("day"))
            .values_list("month")
            .annotate(n=Sum("conversations"))
            .order_by("month")
        )
        return [(m.date() if isinstance(m, datetime) else m, n or 0) for m, n in rows]

    monthly = months(last)
    if len(monthly) < 2:
        # A gap before the newest month (a year of history, then one `kefu simulate` run
        # today): compare with the months of data before the gap.
        earliest = monthly[0][0] if monthly else last
        before = accepted.filter(day__lt=earliest).aggregate(day=Max("day"))["day"]
        if before is not None:
            monthly = months(before) + monthly
    return periods.default_end(last, monthly)


def last_substantial_day() -> date | None:
    """The last day with conversations, before a thin newest month if one is passed over
    (where planning that follows the data, such as the workforce's next week, starts)."""
    from kefu.interactions.importer import accepted_days

    end = default_end()
    if end.skipped_month is None:
        return end.day
    days = DailyKpi.objects.filter(day__range=accepted_days(), day__lt=end.skipped_month)
    return days.aggregate(day=Max("day"))["day"]


# --- targets and benchmarks -------------------------------------------------------------
def targets(team_id: int | None = None, tier: str = "") -> dict[str, float]:
    """The targets that apply: department, overridden by the tier's, the team's, then the
    team-and-tier's (the most specific wins)."""
    rows = Target.objects.filter(Q(team__isnull=True) | Q(team_id=team_id)).values_list(
        "key", "team_id", "tier", "value"
    )

    def rank(team: int | None, row_tier: str) -> int | None:
        if row_tier and row_tier != tier:
            return None
        return (2 if team is not None else 0) + (1 if row_tier else 0)

    chosen: dict[str, tuple[int, float]] = {}
    for key, team, row_tier, value in rows:
        r = rank(team, row_tier)
        if r is not None and (key not in chosen or r > chosen[key][0]):
            chosen[key] = (r, value)
    return {key: value for key, (_, value) in chosen.items()}


def benchmark_sets() -> list[tuple[BenchmarkSet, dict[str, float]]]:
    return [
        (b, {v.key: v.value for v in b.values.all()})
        for b in BenchmarkSet.objects.prefetch_related("values")
    ]
