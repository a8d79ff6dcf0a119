"""QA roll-ups: current results and hits summed per day and per month × agent × team.

The problem dashboard and the agent summaries read these instead of a million result rows
(a 12-month dashboard sums ~1,500 monthly rows instead of 1M results and their hits).
They are kept exact by signed deltas: every write of results (`scoring._write`) takes off
what the results it replaces or demotes had contributed and adds what the new ones
contribute, upserting with `n = n + delta` in the same transaction. `rebuild()` recomputes
them from the rows (the migration that adds them, `kefu qa rollup --rebuild`).

A period is read as whole months from the month rows plus the days at its edges from the
day rows (`split_period`), so any period costs about what its months cost.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import connection
from django.db.models import Count, Q, QuerySet, Sum

from kefu.bulk import chunks, raw_rows, where_in
from kefu.qa.models import Grain, HitRollup, QaHit, QaResult, ResultRollup

ResultKey = tuple[str, date, int, int]  # grain, period, agent id, team id (0 = none)
HitKey = tuple[str, date, str, int, int]  # grain, period, indicator, agent id, team id


def month_of(day: date) -> date:
    return day.replace(day=1)


def centi(score: float) -> int:
    """A score in hundredths of a point (scores carry two decimals)."""
    return round(score * 100)


@dataclass
class Delta:
    """Signed changes to the roll-ups from a set of results coming and going."""

    results: dict[ResultKey, list[int]] = field(
        default_factory=lambda: defaultdict(lambda: [0, 0, 0, 0])
    )
    hits: dict[HitKey, int] = field(default_factory=lambda: defaultdict(int))

    def add(
        self,
        day: date,
        agent_id: int | None,
        team_id: int | None,
        *,
        passed: bool,
        fatal: bool,
        score: float,
        indicators: Iterable[str] = (),
        sign: int = 1,
    ) -> None:
        agent, team = agent_id or 0, team_id or 0
        for grain, period in ((Grain.DAY, day), (Grain.MONTH, month_of(day))):
            row = self.results[(grain, period, agent, team)]
            row[0] += sign
            row[1] += sign * passed
            row[2] += sign * fatal
            row[3] += sign * centi(score)
            for indicator in indicators:
                self.hits[(grain, period, indicator, agent, team)] += sign

    def __bool__(self) -> bool:
        return any(any(v) for v in self.results.values()) or any(self.hits.values())


def removed(result_ids: Sequence[int]) -> Delta:
    """The contribution of these (current) results and their current hits, negated: call
    before they are rewritten or demoted."""
    delta = Delta()
    if not result_ids:
        return delta
    hits: dict[int, list[str]] = defaultdict(list)
    for ids in chunks(result_ids, 5000):
        current = where_in(QaHit.objects.filter(is_current=True), "result_id", ids)
        for result_id, indicator in raw_rows(current.values_list("result_id", "indicator")):
            hits[result_id].append(indicator)
        rows = where_in(QaResult.objects.filter(is_current=True), "id", ids).values_list(
            "id", "day", "agent_id", "team_id", "passed", "fatal", "score"
        )
        for pk, day, agent, team, passed, fatal, score in rows:
            delta.add(day, agent, team, passed=passed, fatal=fatal, score=score,
                      indicators=hits.get(pk, ()), sign=-1)  # fmt: skip
    return delta


def apply(delta: Delta) -> None:
    """Upsert the delta (inside the caller's transaction), dropping rows that reach 0."""
    if not delta:
        return
    adapt = connection.ops.adapt_datefield_value
    quote = connection.ops.quote_name
    results, hits = quote(ResultRollup._meta.db_table), quote(HitRollup._meta.db_table)
    result_rows = sorted((k, v) for k, v in delta.results.items() if any(v))
    hit_rows = sorted((k, v) for k, v in delta.hits.items() if v)
    with connection.cursor() as cursor:
        if result_rows:
            cursor.executemany(
                f"INSERT INTO {results} (grain, period, agent_id, team_id, scored, passed, "
                "fatal, score_centi) VALUES (%s, %s, %s, %s, %s, %s, %s, %s) "
                "ON CONFLICT (grain, period, agent_id, team_id) DO UPDATE SET "
                f"scored = {results}.scored + excluded.scored, "
                f"passed = {results}.passed + excluded.passed, "
                f"fatal = {results}.fatal + excluded.fatal, "
                f"score_centi = {results}.score_centi + excluded.score_centi",
                [(g, adapt(p), a, t, *v) for (g, p, a, t), v in result_rows],
            )
            emptied = [(g, adapt(p), a, t) for (g, p, a, t), v in result_rows if v[0] < 0]
            if emptied:
                cursor.executemany(
                    f"DELETE FROM {results} WHERE grain = %s AND period = %s AND agent_id = %s "
                    "AND team_id = %s AND scored = 0",
                    emptied,
                )
        if hit_rows:
            cursor.executemany(
                f"INSERT INTO {hits} (grain, period, indicator, agent_id, team_id, hits) "
                "VALUES (%s, %s, %s, %s, %s, %s) "
                "ON CONFLICT (grain, period, indicator, agent_id, team_id) DO UPDATE SET "
                f"hits = {hits}.hits + excluded.hits",
                [(g, adapt(p), i, a, t, n) for (g, p, i, a, t), n in hit_rows],
            )
            emptied = [(g, adapt(p), i, a, t) for (g, p, i, a, t), n in hit_rows if n < 0]
            if emptied:
                cursor.executemany(
                    f"DELETE FROM {hits} WHERE grain = %s AND period = %s AND indicator = %s "
                    "AND agent_id = %s AND team_id = %s AND hits = 0",
                    emptied,
                )


def rebuild(
    result_model=QaResult, hit_model=QaHit, result_rollup=ResultRollup, hit_rollup=HitRollup
) -> tuple[int, int]:
    """Recompute the roll-ups from the current results and hits (models may be a
    migration's historical ones); returns the numbers of result and hit roll-up rows."""
    result_rollup.objects.all().delete()
    hit_rollup.objects.all().delete()
    sums: dict[ResultKey, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    rows = (
        result_model.objects.filter(is_current=True)
        .order_by()
        .values_list("day", "agent_id", "team_id")
        .annotate(
            scored=Count("pk"),
            passed=Count("pk", filter=Q(passed=True)),
            fatal=Count("pk", filter=Q(fatal=True)),
            total=Sum("score"),
        )
    )
    for day, agent, team, scored, passed, fatal, total in rows.iterator(chunk_size=10_000):
        for key in ((Grain.DAY, day, agent or 0, team or 0),
                    (Grain.MONTH, month_of(day), agent or 0, team or 0)):  # fmt: skip
            row = sums[key]
            row[0] += scored
            row[1] += passed
            row[2] += fatal
            row[3] += centi(total or 0.0)
    result_rollup.objects.bulk_create(
        (
            result_rollup(grain=g, period=p, agent_id=a, team_id=t, scored=s, passed=ok,
                          fatal=f, score_centi=c)
            for (g, p, a, t), (s, ok, f, c) in sums.items()
        ),
        batch_size=2000,
    )  # fmt: skip
    counts: dict[HitKey, int] = defaultdict(int)
    hit_rows = (
        hit_model.objects.filter(is_current=True)
        .order_by()
        .values_list("day", "indicator", "agent_id", "team_id")
        .annotate(n=Count("pk"))
    )
    for day, indicator, agent, team, n in hit_rows.iterator(chunk_size=10_000):
        counts[(Grain.DAY, day, indicator, agent or 0, team or 0)] += n
        counts[(Grain.MONTH, month_of(day), indicator, agent or 0, team or 0)] += n
    hit_rollup.objects.bulk_create(
        (
            hit_rollup(grain=g, period=p, indicator=i, agent_id=a, team_id=t, hits=n)
            for (g, p, i, a, t), n in counts.items()
        ),
        batch_size=2000,
    )
    return len(sums), len(counts)


# --- reading a period ------------------------------------------------------------------------
@dataclass(frozen=True)
class PeriodSplit:
    """A period as whole months (read from month rows) and edge days (from day rows)."""

    months: tuple[date, date] | None  # first days of the first and last whole month
    days: tuple[tuple[date, date], ...]  # inclusive day ranges outside the whole months


def split_period(start: date, end: date) -> PeriodSplit:
    first_whole = start if start.day == 1 else month_of(start + timedelta(days=31))
    after_end = end + timedelta(days=1)
    last_whole = month_of(after_end) - timedelta(days=1)  # last day of a whole month
    if first_whole > last_whole:  # no whole month inside: days only
        return PeriodSplit(None, ((start, end),))
    days = []
    if start < first_whole:
        days.append((start, first_whole - timedelta(days=1)))
    if last_whole < end:
        days.append((last_whole + timedelta(days=1), end))
    return PeriodSplit((first_whole, month_of(last_whole)), tuple(days))


def in_period(qs: QuerySet, start: date, end: date) -> list[QuerySet]:
    """The roll-up rows covering start…end exactly: one query set per part (whole months,
    then each edge), each walking the (…, grain, period) order of an index."""
    split = split_period(start, end)
    parts = []
    if split.months:
        first, last = split.months
        parts.append(qs.filter(grain=Grain.MONTH, period__gte=first, period__lte=last))
    for first, last in split.days:
        parts.append(qs.filter(grain=Grain.DAY, period__gte=first, period__lte=last))
    return parts
