"""Monthly labels (`RiskSnapshot`, `kefu customers_risk --monthly`): every customer with a
contact before a month's first day, scored as of that moment by the same history builder
and core as the stored risk and the back-test; running it again writes nothing."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kefu.customers import refresh
from kefu.customers.models import CustomerRisk, RiskSettings, RiskSnapshot, RiskSnapshotMonth
from kefu.interactions.models import Conversation

APRIL, MAY = date(2024, 4, 1), date(2024, 5, 1)


def snapshots() -> dict[tuple[str, date], tuple[int, str]]:
    return {
        (s.customer.external_id, s.month): (s.score, s.label)
        for s in RiskSnapshot.objects.select_related("customer")
    }


def test_each_month_is_scored_as_of_its_first_day(risky):
    # given U-RISK's complaints on 10 and 30 April and a third on 19 May, U-CALM's first
    # contact on 17 May (the risky fixture)
    out = io.StringIO()
    # when the monthly labels are computed (the months since the first conversation's)
    call_command("customers_risk", "--monthly", stdout=out)
    # then April had nobody with a history, May had U-RISK only, labelled high
    assert list(RiskSnapshotMonth.objects.values_list("month", "customers", "high")) == [
        (APRIL, 0, 0),
        (MAY, 1, 1),
    ]
    assert set(snapshots()) == {("U-RISK", MAY)}
    assert "2024-05: 1 customers, high 1 (100.0%)" in out.getvalue()
    # and the label is the one the stored risk gets as of that moment (end of 30 April)
    call_command("customers_risk", "--as-of", "2024-04-30", stdout=io.StringIO())
    stored = CustomerRisk.objects.get(customer__external_id="U-RISK")
    assert snapshots()["U-RISK", MAY] == (stored.score, stored.label)
    assert stored.score == 50  # 2 complaints 30, a low rating 10, a contact 1 day before 10


def test_running_it_again_writes_nothing(risky):
    refresh.snapshot_months([APRIL, MAY])
    before = list(RiskSnapshot.objects.values_list("pk", "customer_id", "month", "score", "label"))
    with CaptureQueriesContext(connection) as queries:
        refresh.snapshot_months([APRIL, MAY])
    table = connection.ops.quote_name(RiskSnapshot._meta.db_table)  # not the months' table
    writes = [
        q["sql"]
        for q in queries.captured_queries
        if table in q["sql"]
        and q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
    ]
    assert writes == []
    assert (
        list(RiskSnapshot.objects.values_list("pk", "customer_id", "month", "score", "label"))
        == before
    )


def test_new_weights_and_removed_history_change_the_months_again(risky):
    refresh.snapshot_months([MAY])
    # a higher threshold: the May label falls to normal when May is computed again
    RiskSettings.objects.filter(pk=1).update(high_at=60)
    call_command("customers_risk", "--monthly", "--since", "2024-05", stdout=io.StringIO())
    assert snapshots()["U-RISK", MAY] == (50, "normal")
    # conversations removed: the customer no longer had a contact before May, no row
    Conversation.objects.filter(external_id__in=["R-2", "R-3"]).delete()
    refresh.snapshot_months([MAY])
    assert snapshots() == {}
    assert RiskSnapshotMonth.objects.get(month=MAY).customers == 0


def test_only_the_months_not_computed_yet_and_the_current_one_are_due(risky):
    assert refresh.snapshot_due() == [APRIL, MAY]
    refresh.snapshot_months([APRIL, MAY])
    assert refresh.snapshot_due() == [MAY]  # the current month's history may still grow
    assert refresh.snapshot_due(since=APRIL) == [APRIL, MAY]  # --since: every month again


def test_the_command_refuses_bad_months(db):
    with pytest.raises(Exception, match="YYYY-MM"):
        call_command("customers_risk", "--monthly", "--since", "May", stdout=io.StringIO())
    with pytest.raises(Exception, match="--monthly"):
        call_command("customers_risk", "--since", "2024-05", stdout=io.StringIO())


def test_without_conversations_nothing_is_due(db):
    assert refresh.snapshot_due() == []
    assert refresh.snapshot_months([]) == {}
