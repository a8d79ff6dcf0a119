"""Stored statistics (facts + daily roll-ups) answer exactly what the core computes
directly from the records, and stay current as conversations arrive."""

from __future__ import annotations

import math
import zoneinfo
from datetime import date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import native_conversation
from kefu.accounts.access import ALL
from kefu.interactions.core.facts import conversation_facts
from kefu.interactions.core.native import parse_object
from kefu.interactions.importer import Importer
from kefu.interactions.models import Conversation
from kefu.metrics import facts
from kefu.metrics.core.kpis import KEYS, Escalation, Row, compute, repeat_contacts
from kefu.metrics.models import DailyKpi, DirtyDay, KpiFact
from kefu.metrics.selectors import Scope, figures, grouped
from kefu.sla.selectors import active_policies, choose

TZ = zoneinfo.ZoneInfo("Asia/Shanghai")
MAY = Scope(date(2024, 5, 1), date(2024, 5, 31), visible=ALL)


def same(a, b) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def assert_same_figures(stored: dict, direct: dict) -> None:
    assert set(stored) == set(KEYS)
    mismatched = {k: (stored[k], direct[k]) for k in KEYS if not same(stored[k], direct[k])}
    assert not mismatched


def chat(customer: str, created: datetime, **overrides) -> dict:
    record = native_conversation(created=created, **overrides)
    record["customer"] = {"id": customer, "segment": overrides.get("segment", "vip")}
    return record


@pytest.mark.django_db
def test_it_flips_the_earlier_conversation_when_the_customer_comes_back(import_records):
    # given a resolved conversation: first-contact resolved
    import_records(chat("U1", datetime(2024, 5, 1, 10, tzinfo=TZ)))
    assert figures(MAY)["fcr_rate"] == 1
    # when the customer calls again two days later (another channel, another import)
    import_records(chat("U1", datetime(2024, 5, 3, 9, tzinfo=TZ), channel="email"))
    # then the first one is a repeat contact and no longer counts as resolved first time
    result = figures(MAY)
    assert result["repeat_contact_rate"] == 0.5
    assert result["fcr_rate"] == 0.5
    first = Conversation.objects.order_by("created_at").first()
    assert KpiFact.objects.get(conversation=first).repeat_contacts == 1


@pytest.mark.django_db
def test_it_looks_past_the_end_of_the_period(import_records):
    import_records(
        chat("U1", datetime(2024, 5, 31, 20, tzinfo=TZ)),
        chat("U1", datetime(2024, 6, 2, 9, tzinfo=TZ)),
    )
    may = figures(MAY)
    assert may["conversations"] == 1
    assert may["repeat_contact_rate"] == 1  # the return in June still counts


@pytest.mark.django_db
def test_it_puts_a_conversation_on_its_local_day(import_records):
    # 00:30 in Shanghai is still the previous day in UTC
    import_records(chat("U1", datetime(2024, 5, 2, 0, 30, tzinfo=TZ)))
    assert KpiFact.objects.get().day == date(2024, 5, 2)
    assert figures(Scope(date(2024, 5, 1), date(2024, 5, 1), visible=ALL))["conversations"] == 0
    assert figures(Scope(date(2024, 5, 2), date(2024, 5, 2), visible=ALL))["conversations"] == 1


@pytest.mark.django_db
def test_reimporting_changes_nothing(import_records):
    records = [chat(f"U{i}", datetime(2024, 5, 1 + i, 10, tzinfo=TZ)) for i in range(3)]
    import_records(*records)
    before = list(DailyKpi.objects.values().order_by("day"))
    import_records(*records)
    assert not DirtyDay.objects.exists()
    after = list(DailyKpi.objects.values().order_by("day"))
    assert [{**r, "id": 0} for r in before] == [{**r, "id": 0} for r in after]


@pytest.mark.django_db
def test_empty_groups_are_nulls_and_all_months_are_listed(import_records):
    import_records(chat("U1", datetime(2024, 5, 1, 10, tzinfo=TZ)))
    months = figures(Scope(date(2024, 4, 1), date(2024, 6, 30), visible=ALL), by="month")
    assert [g.label for g in months] == ["2024-04", "2024-05", "2024-06"]
    assert months[0].figures["conversations"] == 0
    assert months[0].figures["fcr_rate"] is None
    assert months[1].figures["conversations"] == 1


@pytest.mark.django_db
def test_rebuild_gives_what_the_import_hook_gave(import_records):
    import_records(
        chat("U1", datetime(2024, 5, 1, 10, tzinfo=TZ)),
        chat("U1", datetime(2024, 5, 4, 10, tzinfo=TZ), agent="A0102"),
        chat("U2", datetime(2024, 5, 9, 10, tzinfo=TZ), complaint=True),
    )
    incremental = grouped(MAY, "agent")
    facts.rebuild_all()
    assert grouped(MAY, "agent") == incremental


# --- random data, random periods --------------------------------------------------------
START = datetime(2024, 5, 1, 0, 0, tzinfo=TZ)


@st.composite
def conversations(draw) -> dict:
    created = START + timedelta(minutes=draw(st.integers(0, 60 * 24 * 20)))
    messages = [{"id": "m1", "role": "customer", "at": created.isoformat(), "text": "在吗"}]
    if draw(st.booleans()):
        messages.append({"id": "m2", "role": "bot", "at": (created + timedelta(seconds=1)).isoformat(), "text": "您好"})  # fmt: skip
    reply = draw(
        st.one_of(st.none(), st.floats(0, 200, allow_nan=False).map(lambda s: round(s, 3)))
    )
    if reply is not None:
        at = created + timedelta(seconds=reply)
        messages.append({"id": "m3", "role": "agent", "agent": "A1", "at": at.isoformat(), "text": "您好"})  # fmt: skip
    if draw(st.booleans()):  # outbound: no customer message at all
        messages = [m for m in messages if m["role"] != "customer"]
    record = {
        "type": "conversation",
        "id": f"R{draw(st.integers(0, 10**9))}",
        "channel": draw(st.sampled_from(["chat", "email", "app"])),
        "customer": {"id": draw(st.sampled_from(["U1", "U2", "U3", "U4"]))},
        "agent": draw(st.sampled_from(["A1", "A2", None])),
        "created_at": created.isoformat(),
        "status": "open",
        "complaint": draw(st.booleans()),
        "messages": messages,
    }
    resolved_h = draw(st.one_of(st.none(), st.floats(0, 100, allow_nan=False)))
    if resolved_h is not None:
        record["resolved_at"] = (created + timedelta(hours=round(resolved_h, 2))).isoformat()
        record["status"] = "resolved"
    if draw(st.booleans()):
        esc_at = created + timedelta(minutes=draw(st.integers(0, 300)))
        escalation = {"level": "department", "at": esc_at.isoformat()}
        if draw(st.booleans()):
            escalation["resolved_at"] = (esc_at + timedelta(minutes=draw(st.integers(0, 600)))).isoformat()  # fmt: skip
        record["escalations"] = [escalation]
    survey = {}
    if draw(st.booleans()):
        survey["csat"] = draw(st.integers(1, 5))
    if draw(st.booleans()):
        survey["nps"] = draw(st.integers(0, 10))
    if survey:
        record["survey"] = survey
    order = draw(st.one_of(st.none(), st.booleans()))
    if order is not None:
        record["order"] = {"converted": order}
    if record["agent"] is None:
        del record["agent"]
    return record


def direct_rows(records: list[dict]) -> list[tuple[date, str | None, Row]]:
    """The core's answer straight from the records, no database involved."""
    parsed = [parse_object(r, TZ) for r in records]
    history: dict[str, list[datetime]] = {}
    for p in parsed:
        history.setdefault(p.customer.id, []).append(p.created_at)
    for times in history.values():
        times.sort()
    flags = repeat_contacts([(p.customer.id, p.created_at) for p in parsed], history)
    policies = active_policies()  # the seeded per-channel defaults (calendar time)
    out = []
    for p, repeat in zip(parsed, flags, strict=True):
        f = conversation_facts(p)
        row = Row(
            customer=p.customer.id,
            created_at=p.created_at,
            has_customer_message=f.customer_message_count > 0,
            first_response_s=f.first_response_s,
            handle_time_s=f.handle_time_s,
            resolved_at=p.resolved_at,
            complaint=p.complaint,
            escalations=tuple(Escalation(e.at, e.resolved_at) for e in p.escalations),
            csat=p.survey.csat if p.survey else None,
            nps=p.survey.nps if p.survey else None,
            order_converted=bool(p.order.converted) if p.order else None,
            repeat_contact=repeat,
            first_response_target_s=choose(policies, p.channel).first_response_s,
        )
        out.append((p.created_at.astimezone(TZ).date(), p.agent, row))
    return out


@pytest.mark.django_db
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    records=st.lists(conversations(), min_size=0, max_size=25, unique_by=lambda r: r["id"]),
    first=st.integers(0, 25),
    length=st.integers(0, 25),
    batch=st.integers(1, 7),
)
def test_stored_figures_equal_direct_computation(records, first, length, batch):
    Conversation.objects.all().delete()  # each example starts empty
    facts.rebuild_all()
    importer = Importer(batch_size=batch)  # small batches: returns cross batch borders
    importer.feed_all(parse_object(r, TZ, i + 1) for i, r in enumerate(records))

    date_from = date(2024, 5, 1) + timedelta(days=first)
    date_to = date_from + timedelta(days=length)
    rows = [(d, a, r) for d, a, r in direct_rows(records) if date_from <= d <= date_to]
    scope = Scope(date_from, date_to, visible=ALL)

    assert_same_figures(figures(scope), compute([r for _, _, r in rows]))
    by_agent = {g.label: g.figures for g in figures(scope, by="agent")}
    assert set(by_agent) == {a for _, a, _ in rows}
    for agent, stored in by_agent.items():
        assert_same_figures(stored, compute([r for _, a, r in rows if a == agent]))


@pytest.mark.django_db
def test_the_seed_defaults_are_restored_only_for_a_department_without_any(personas):
    from kefu.metrics.defaults import ensure_defaults
    from kefu.metrics.models import BenchmarkSet, Target
    from kefu.metrics.selectors import targets

    assert targets()["fcr_rate"] == 0.85  # migration 0002
    assert not ensure_defaults()  # a configured department is left alone
    Target.objects.filter(key="nps").delete()
    assert not ensure_defaults() and "nps" not in targets()
    Target.objects.all().delete()
    BenchmarkSet.objects.all().delete()
    assert ensure_defaults()
    assert targets() == {
        "frt_mean_s": 30,
        "frt_over_30s_rate": 0.02,
        "fcr_rate": 0.85,
        "csat_satisfied_rate": 0.93,
        "nps": 58,
        "response_rate": 0.98,
    }
    assert set(BenchmarkSet.objects.values_list("slug", flat=True)) == {
        "ecommerce",
        "finance",
        "healthcare",
    }


@pytest.mark.django_db
def test_a_conversation_written_again_while_its_fact_is_computed_stays_queued():
    from kefu.bulk import unqueue_marked
    from kefu.metrics.models import PendingFact

    # given a refresh that read the queue (ids 1 and 2 with their marks)
    facts.queue([1, 2])
    taken = list(PendingFact.objects.values_list("conversation_id", "mark"))
    # when a writer queues conversation 2 again before the refresh takes them off
    facts.queue([2])
    unqueue_marked(PendingFact, "conversation_id", "mark", taken)
    # then 2 stays for the next refresh (its new data is not in the facts just computed)
    assert list(PendingFact.objects.values_list("conversation_id", flat=True)) == [2]


@pytest.mark.django_db
def test_a_refresh_works_off_the_queue_and_keeps_what_was_written_since(import_records):
    from kefu.metrics.models import PendingFact

    import_records(native_conversation(), native_conversation(customer={"id": "U-Q2"}))
    facts.queue(Conversation.objects.values_list("pk", flat=True))
    assert facts.refresh_pending() == 2
    assert not PendingFact.objects.exists()
    assert KpiFact.objects.count() == Conversation.objects.count()


@pytest.mark.django_db
def test_a_refresh_does_not_chase_an_import_that_keeps_storing(import_records, monkeypatch):
    """A dashboard read during a large import does the backlog it found, not every batch
    stored while it walks (the full topology run's reads took 8-23 s)."""
    from kefu.metrics.models import PendingFact

    import_records(native_conversation(), native_conversation(customer={"id": "U-Q2"}))
    first, second = Conversation.objects.order_by("pk").values_list("pk", flat=True)
    PendingFact.objects.all().delete()
    facts.queue([first])
    compute = facts.refresh_facts

    def import_stores_meanwhile(ids):
        compute(ids)
        facts.queue([second])  # a later conversation, stored while the refresh worked

    monkeypatch.setattr(facts, "refresh_facts", import_stores_meanwhile)
    monkeypatch.setattr(facts, "BULK", 1)
    assert facts.refresh_pending() == 1
    assert list(PendingFact.objects.values_list("conversation_id", flat=True)) == [second]
