"""The SLA report (/sla/report/, its CSV and GET /api/v1/sla/report): met, breached,
no-reply and paused first responses by channel, team or agent for a period.

Reads each conversation's KPI fact (the policy version that judged it, `KpiFact.
sla_policy`) with its conversation's first-response instants, scoped by the access layer
(`restrict`), and judges it with the one definition, `kefu.sla.core.report.judge` (the
same as `frt_over_target`). It lives in metrics, not in sla: it reads metrics' facts and
interactions' conversations, and sla sits below metrics in the layers (pyproject
`[tool.importlinter]`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from kefu.accounts.access import restrict
from kefu.accounts.models import Agent, Team
from kefu.bulk import instant
from kefu.interactions.choices import Channel
from kefu.metrics.facts import refresh
from kefu.metrics.models import KpiFact
from kefu.sla.core.policies import BUSINESS
from kefu.sla.core.report import Judgement, Tally, Wait, judge
from kefu.sla.selectors import policies_by_id

GROUPINGS = ("channel", "team", "agent")
_COLUMN = {"channel": "channel", "team": "team_id", "agent": "agent_id"}


@dataclass
class ReportRow:
    key: object  # channel value, team or agent pk; None: unassigned
    label: str  # as the page shows it (the channel's name, "name (external id)")
    tally: Tally
    name: str | None = None  # as the API names it (`kefu metrics --by`): channel value,
    # team name, agent external id; None: unassigned or the total

    def as_dict(self) -> dict:
        t = self.tally
        return {
            "group": self.name,
            "group_id": self.key,
            "conversations": t.conversations,
            "answered": t.answered,
            "met": t.met,
            "breached": t.breached,
            "no_reply": t.no_reply,
            "paused": t.paused,
            "paused_s": t.paused_s,
            "resolved_in_time": t.resolved_in_time,
            "resolved_late": t.resolved_late,
            "open": t.open,
            **t.rates(),
            "targets": [
                {"target_s": target, "measure": measure, "conversations": n}
                for (target, measure), n in sorted(t.targets.items())
            ],
        }


def facts_visible(user) -> QuerySet[KpiFact]:
    """Every fact the user may see (brought up to date first)."""
    refresh()
    return restrict(KpiFact.objects.all(), user).order_by()


def facts(
    user, date_from: date, date_to: date, *, team_ids: tuple[int, ...] = (), channel: str = ""
) -> QuerySet[KpiFact]:
    """The facts of the period the user may see, narrowed to teams and a channel."""
    qs = facts_visible(user).filter(day__gte=date_from, day__lte=date_to)
    if team_ids:
        qs = qs.filter(team_id__in=team_ids)
    if channel:
        qs = qs.filter(channel=channel)
    return qs


def judgements(qs: QuerySet[KpiFact]) -> Iterator[tuple[dict, Judgement]]:
    """({channel, team, agent}, judgement) of each fact."""
    # the few policy versions first, then the facts streamed (a long period of a large
    # installation is hundreds of thousands of rows)
    policies = policies_by_id(qs.values_list("sla_policy_id", flat=True).distinct())
    rows = qs.values_list(
        "channel",
        "team_id",
        "agent_id",
        "sla_policy_id",
        "frt_s",
        "with_customer",
        "conversation__first_customer_at",
        "conversation__first_response_at",
        # one conversation per fact: its resolution time when resolved
        "resolved",
        "resolution_sum_s",
        "biz_resolution_sum_s",
    )
    for row in rows.iterator(chunk_size=20000):
        channel, team_id, agent_id, policy_id, frt, with_customer, first_at, reply_at = row[:8]
        resolved, resolution_s, business_resolution_s = row[8:]
        wait = Wait(
            has_customer_message=bool(with_customer),
            frt_s=frt,
            first_customer_at=instant(first_at),
            first_response_at=instant(reply_at),
            policy=policies.get(policy_id),
            resolution_s=resolution_s if resolved else None,
            business_resolution_s=business_resolution_s if resolved else None,
        )
        yield {"channel": channel, "team": team_id, "agent": agent_id}, judge(wait)


def tallies(qs: QuerySet[KpiFact]) -> tuple[Tally, dict[str, dict[object, Tally]]]:
    """The total and {grouping: {key: tally}} of these facts."""
    total = Tally()
    groups: dict[str, dict[object, Tally]] = {by: defaultdict(Tally) for by in GROUPINGS}
    for keys, judgement in judgements(qs):
        total.add(judgement)
        for by in GROUPINGS:
            groups[by][keys[by]].add(judgement)
    return total, groups


def labels(by: str, keys) -> dict[object, tuple[str, str | None]]:
    """{key: (label shown, name in the API)}."""
    present = [k for k in keys if k is not None]
    out: dict[object, tuple[str, str | None]]
    if by == "team":
        out = {
            pk: (name, name)
            for pk, name in Team.objects.filter(pk__in=present).values_list("pk", "name")
        }
    elif by == "agent":
        out = {
            pk: (f"{name} ({external_id})" if name else external_id, external_id)
            for pk, name, external_id in Agent.objects.filter(pk__in=present).values_list(
                "pk", "name", "external_id"
            )
        }
    else:
        names = dict(Channel.choices)
        out = {k: (str(names.get(k, k)), str(k)) for k in present}
    return out | {None: (_("Unassigned"), None)}


def rows(by: str, tallies_by_key: dict[object, Tally]) -> list[ReportRow]:
    """One row per group, by label (unassigned last)."""
    names = labels(by, tallies_by_key.keys())
    out = []
    for key, tally in tallies_by_key.items():
        label, name = names.get(key, (str(key), str(key)))
        out.append(ReportRow(key, label, tally, name))
    return sorted(out, key=lambda r: (r.key is None, r.label))


def report(qs: QuerySet[KpiFact], by: str) -> tuple[ReportRow, list[ReportRow]]:
    """The total row and the rows of one grouping."""
    if by not in GROUPINGS:
        raise ValueError(f"by must be one of {', '.join(GROUPINGS)}")
    total, groups = tallies(qs)
    return ReportRow(None, _("Total"), total), rows(by, groups[by])


# --- presentation -------------------------------------------------------------------------
def duration_text(seconds: float) -> str:
    if seconds < 120:
        return _("%(n)s s") % {"n": f"{seconds:g}"}
    if seconds < 7200:
        return _("%(n)s min") % {"n": f"{seconds / 60:.4g}"}
    return _("%(n)s h") % {"n": f"{seconds / 3600:.4g}"}


def targets_text(tally: Tally) -> str:
    """The first-response targets that judged the group: "30 s", "2 h (business time)"."""
    parts = []
    for target, measure in sorted(tally.targets):
        text = duration_text(target)
        if measure == BUSINESS:
            text = _("%(target)s (business time)") % {"target": text}
        parts.append(text)
    return _(", ").join(parts) or "—"


def percent_text(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def display(row: ReportRow) -> dict:
    """The row as the page and the CSV show it."""
    rates = row.tally.rates()
    return row.as_dict() | {
        "group": row.label,
        "targets_text": targets_text(row.tally),
        "paused_text": duration_text(row.tally.paused_s) if row.tally.paused else "—",
        **{f"{k}_text": percent_text(v) for k, v in rates.items()},
    }
