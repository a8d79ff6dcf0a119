"""Keeping the stored risk index current (the writer of `CustomerRisk` and of rule tags,
derived from what is stored, like `metrics/facts.py`).

- `histories(customer_ids)` reads customers' contacts in bulk (conversations, their first
  escalation, negative emotion from automatic QA) as the core's `Contact`s, a constant
  number of queries per chunk of customers.
- `refresh_customers(ids)` scores them (`core.risk`), keeps the history card's profile,
  and sets their rule tags (`core.tags`); `refresh_pending()` does it for the customers
  of the conversations queued by the import hook; `refresh_all()` for every customer
  (`kefu customers_risk`, daily from cron: the windows move with the date).
- `snapshot_months(months)` keeps each customer's score and label as of the first day of
  each month (`RiskSnapshot`, `kefu customers_risk --monthly`): what the customer was
  when that month's conversations arrived (the routing effect report groups by it).
- Scores are as of `default_as_of()`: now, or the end of the day of the newest stored
  contact when that is earlier (a history imported from the past is scored as of its
  end, not as of a date when every window is empty).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Max, Min
from django.utils import timezone

from kefu.bulk import chunks, next_marked, one_at_a_time, queue_ids, unqueue_marked, where_in
from kefu.customers import tag_names
from kefu.customers.choices import TagKind
from kefu.customers.core import risk
from kefu.customers.core import tags as tag_rules
from kefu.customers.models import (
    CustomerRisk,
    CustomerTag,
    PendingRisk,
    RiskSettings,
    RiskSnapshot,
    RiskSnapshotMonth,
    Tag,
)
from kefu.interactions.models import Conversation, Customer, Escalation
from kefu.lib.localtime import configured_tz
from kefu.qa.models import QaHit

# The automatic QA indicators that say the customer was upset (docs/qa-rules.md).
NEGATIVE_INDICATORS = ("negative_emotion", "anger")
CHUNK = 1000  # customers read, scored and written together
BULK = 5000  # queued conversations worked off per transaction
PROFILE_FIELDS = (
    "score", "label", "reasons", "as_of", "computed_at", "contacts", "spend",
    "first_contact_at", "last_contact_at", "preferred_channel", "preferred_hour",
    "last_complaint_at", "last_complaint_conversation", "last_complaint_category",
)  # fmt: skip


# --- the moment scores are computed as of ---------------------------------------------------
def as_of_day(day: date) -> datetime:
    """ "As of DAY": the end of that local day (everything of the day is history)."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=configured_tz())


def default_as_of() -> datetime:
    now = timezone.now()
    newest = Conversation.objects.aggregate(newest=Max("created_at"))["newest"]
    if newest is None or newest >= now:
        return now
    return min(now, as_of_day(newest.astimezone(configured_tz()).date()))


# --- reading histories -----------------------------------------------------------------------
def histories(
    customer_ids: Sequence[int], until: datetime | None = None
) -> dict[int, list[risk.Contact]]:
    """Every contact of these customers (created before `until`, if given), in the
    configured time zone."""
    tz = configured_tz()
    out: dict[int, list[risk.Contact]] = defaultdict(list)
    for chunk in chunks(list(customer_ids), CHUNK):
        conversations = where_in(Conversation.objects.order_by(), "customer_id", chunk)
        if until is not None:
            conversations = conversations.filter(created_at__lt=until)
        escalated = dict(
            Escalation.objects.filter(conversation__customer_id__in=chunk)
            .order_by()
            .values_list("conversation_id")
            .annotate(first=Min("at"))
        )
        negative = set(
            QaHit.objects.filter(
                is_current=True,
                indicator__in=NEGATIVE_INDICATORS,
                result__conversation__customer_id__in=chunk,
            )
            .order_by()
            .values_list("result__conversation_id", flat=True)
        )
        rows = conversations.values_list(
            "pk", "customer_id", "external_id", "created_at", "channel", "complaint",
            "escalated", "csat", "nps", "survey_at", "order_converted", "order_amount",
            "category1", "category2", "category3",
        )  # fmt: skip
        for (pk, customer_id, ext, created, channel, complaint, was_escalated, csat, nps,
             survey_at, converted, amount, *category) in rows:  # fmt: skip
            at = created.astimezone(tz)
            first_escalation = escalated.get(pk) or (at if was_escalated else None)
            out[customer_id].append(
                risk.Contact(
                    at=at,
                    channel=channel,
                    complaint=complaint,
                    escalated_at=first_escalation,
                    negative=pk in negative,
                    csat=csat,
                    nps=nps,
                    survey_at=survey_at,
                    spend=float(amount) if converted and amount is not None else 0.0,
                    category=tuple(c for c in category if c),
                    conversation=ext,
                )
            )
    return out


# --- scoring and writing ------------------------------------------------------------------
def rule_tags() -> list[tuple[int, list[dict]]]:
    """(tag id, checked rule) of every rule tag; a rule that no longer checks is skipped."""
    out = []
    for pk, rule in Tag.objects.filter(kind=TagKind.RULE).values_list("pk", "rule"):
        try:
            out.append((pk, tag_rules.check_rule(rule)))
        except tag_rules.RuleError:
            continue
    return out


def risk_row(
    customer_id: int, history: Sequence[risk.Contact], as_of: datetime, weights: risk.Weights
) -> tuple[CustomerRisk, risk.Score]:
    scored = risk.score(history, as_of, weights)
    profile = risk.profile(history, as_of)
    spend = scored.features.spend if scored.features else 0.0
    row = CustomerRisk(
        customer_id=customer_id,
        score=scored.points,
        label=scored.label,
        reasons=[r.as_dict() for r in scored.reasons],
        as_of=as_of,
        computed_at=timezone.now(),
        contacts=profile.contacts,
        spend=Decimal(str(spend)).quantize(Decimal("0.01")),
        first_contact_at=profile.first_contact_at,
        last_contact_at=profile.last_contact_at,
        preferred_channel=profile.preferred_channel,
        preferred_hour=profile.preferred_hour,
        last_complaint_at=profile.last_complaint_at,
        last_complaint_conversation=profile.last_complaint_conversation,
        last_complaint_category=list(profile.last_complaint_category),
    )
    return row, scored


@transaction.atomic
def refresh_customers(
    customer_ids: Iterable[int],
    as_of: datetime | None = None,
    weights: risk.Weights | None = None,
) -> Counter:
    """Score these customers again and set their rule tags; returns labels counted."""
    ids = sorted(set(customer_ids))
    counts: Counter = Counter()
    if not ids:
        return counts
    as_of = as_of or default_as_of()
    weights = weights or RiskSettings.current().weights()
    rules = rule_tags()
    for chunk in chunks(ids, CHUNK):
        history = histories(chunk)
        segments = dict(where_in(Customer.objects.all(), "id", chunk).values_list("pk", "segment"))
        rows, wanted = [], set()
        for customer_id in chunk:
            if customer_id not in segments:  # deleted meanwhile
                continue
            contacts = history.get(customer_id, [])
            row, scored = risk_row(customer_id, contacts, as_of, weights)
            rows.append(row)
            counts[scored.label] += 1
            subject = tag_rules.Subject(contacts, scored.label, segments[customer_id])
            for tag_id, rule in rules:
                if tag_rules.matches(rule, subject, as_of):
                    wanted.add((customer_id, tag_id))
        CustomerRisk.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["customer"],
            update_fields=list(PROFILE_FIELDS),
        )
        _set_rule_tags(chunk, [pk for pk, _ in rules], wanted)
    return counts


def _set_rule_tags(customer_ids: Sequence[int], tag_ids: list[int], wanted: set) -> None:
    links = where_in(CustomerTag.objects.all(), "customer_id", customer_ids)
    rule_links = links.filter(tag__kind=TagKind.RULE)
    have = set(rule_links.values_list("customer_id", "tag_id"))
    stale = have - wanted
    for customer_id, tag_id in stale:
        rule_links.filter(customer_id=customer_id, tag_id=tag_id).delete()
    CustomerTag.objects.bulk_create(
        [CustomerTag(customer_id=c, tag_id=t) for c, t in sorted(wanted - have)],
        ignore_conflicts=True,
    )
    if stale or wanted - have:
        tag_names.sync({c for c, _t in stale | (wanted - have)})


# --- the queue -----------------------------------------------------------------------------
def queue(conversation_ids: Iterable[int]) -> None:
    queue_ids(PendingRisk, "conversation_id", conversation_ids, mark_column="mark")


# Refreshes of the queue run one at a time across processes (PostgreSQL): two would score
# the same customers. Writers never wait for this lock.
REFRESH_LOCK = 7_451_004  # beside kefu.metrics.facts.REFRESH_LOCK


def refresh_pending() -> int:
    """Score the customers of queued conversations again; returns how many customers.

    The queue rows are read without a lock and taken off only after the scores are
    committed, and only with the mark that was read: a writer (an import batch, a live
    message) holding its conversations never waits for a refresh that waits for them,
    and a conversation written again meanwhile stays queued for the next refresh."""
    done = 0
    as_of = None
    after: int | None = None  # the queue is walked once, in id order
    while True:
        with transaction.atomic():
            one_at_a_time(REFRESH_LOCK)
            taken = next_marked(PendingRisk, "conversation_id", "mark", after, BULK)
            if not taken:
                return done
            ids = [pk for pk, _ in taken]
            customers = set(
                where_in(Conversation.objects.all(), "id", ids).values_list(
                    "customer_id", flat=True
                )
            )
            as_of = as_of or default_as_of()
            refresh_customers(customers, as_of)
        unqueue_marked(PendingRisk, "conversation_id", "mark", taken)
        done += len(customers)
        after = ids[-1]


def refresh_all(as_of: datetime | None = None) -> Counter:
    """Score every customer (in chunks, each in its own transaction)."""
    as_of = as_of or default_as_of()
    weights = RiskSettings.current().weights()
    counts: Counter = Counter()
    last = 0
    while True:
        ids = list(
            Customer.objects.filter(pk__gt=last)
            .order_by("pk")
            .values_list("pk", flat=True)[: CHUNK * 5]
        )
        if not ids:
            return counts
        counts += refresh_customers(ids, as_of, weights)
        last = ids[-1]


# --- monthly labels ---------------------------------------------------------------------------
def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(month: date) -> date:
    return date(month.year + (month.month == 12), month.month % 12 + 1, 1)


def months_between(first: date, last: date) -> list[date]:
    """The first days of the months from `first`'s to `last`'s, both included."""
    out, month = [], month_start(first)
    while month <= last:
        out.append(month)
        month = next_month(month)
    return out


def month_moment(month: date) -> datetime:
    """A month's labels are as of its first day's local midnight."""
    return datetime.combine(month, time(0), tzinfo=configured_tz())


def snapshot_due(since: date | None = None, as_of: datetime | None = None) -> list[date]:
    """The months `snapshot_months` should compute: from `since` (every month again),
    or else the months not computed yet since the first stored conversation's and the
    current one (whose history may have grown) — up to the month of `as_of` (default:
    `default_as_of()`)."""
    first = Conversation.objects.aggregate(first=Min("created_at"))["first"]
    if first is None:
        return []
    last = (as_of or default_as_of()).astimezone(configured_tz()).date()
    if since is not None:
        return months_between(since, last)
    months = months_between(first.astimezone(configured_tz()).date(), last)
    done = set(RiskSnapshotMonth.objects.values_list("month", flat=True))
    return [m for m in months if m not in done or m == months[-1]]


def snapshot_months(months: Sequence[date], weights: risk.Weights | None = None) -> Counter:
    """Score every customer with a contact before each month's first day as of that
    moment (the history builder and risk core of `refresh_customers` and the back-test)
    and keep the score and label (`RiskSnapshot`); mark each month computed. Rows that
    would not change are not written (running it again writes nothing), rows of
    customers no longer with a contact before the month are deleted. Returns
    (month, label) counted."""
    months = sorted({month_start(m) for m in months})
    counts: Counter = Counter()
    if not months:
        return counts
    weights = weights or RiskSettings.current().weights()
    moments = [(m, month_moment(m)) for m in months]
    until = moments[-1][1]
    last = 0
    while True:
        ids = list(
            Customer.objects.filter(pk__gt=last)
            .order_by("pk")
            .values_list("pk", flat=True)[: CHUNK * 5]
        )
        if not ids:
            break
        last = ids[-1]
        history = histories(ids, until=until)
        wanted: dict[tuple[int, date], tuple[int, str]] = {}
        for customer_id, contacts in history.items():
            first = min(c.at for c in contacts)
            for month, moment in moments:
                if first >= moment:
                    continue
                scored = risk.score(contacts, moment, weights)
                wanted[customer_id, month] = (scored.points, scored.label)
                counts[month, scored.label] += 1
        with transaction.atomic():
            stored = where_in(RiskSnapshot.objects.all(), "customer_id", ids).filter(
                month__in=months
            )
            have = {(c, m): (pk, s, lb) for pk, c, m, s, lb in stored.values_list(
                "pk", "customer_id", "month", "score", "label"
            )}  # fmt: skip
            gone = [pk for key, (pk, _s, _l) in have.items() if key not in wanted]
            if gone:
                where_in(RiskSnapshot.objects.all(), "id", gone).delete()
            write = [
                RiskSnapshot(customer_id=c, month=m, score=score, label=label)
                for (c, m), (score, label) in wanted.items()
                if have.get((c, m), (None, None, None))[1:] != (score, label)
            ]
            RiskSnapshot.objects.bulk_create(
                write,
                batch_size=2000,
                update_conflicts=True,
                unique_fields=["customer", "month"],
                update_fields=["score", "label"],
            )
    now = timezone.now()
    for month in months:
        RiskSnapshotMonth.objects.update_or_create(
            month=month,
            defaults={
                "customers": sum(counts[month, label] for label in risk.LABELS),
                "high": counts[month, risk.HIGH],
                "computed_at": now,
            },
        )
    return counts
