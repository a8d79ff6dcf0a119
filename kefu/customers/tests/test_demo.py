"""The customers part of `kefu demo` (seed_demo) and the back-test command on demo data."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from kefu.customers.demo import DEMO_CAMPAIGN, seed_demo
from kefu.customers.models import (
    CustomerRisk,
    CustomerTag,
    RiskSnapshot,
    RiskSnapshotMonth,
    Tag,
    WinbackCampaign,
)
from kefu.interactions.models import Customer


@pytest.fixture
def demo(db):
    call_command("demo", "--seed", "42", "--size", "small", stdout=io.StringIO())


def test_seed_demo_scores_every_customer_and_makes_tags(demo):
    result = seed_demo(42)
    assert result["customers"] == Customer.objects.count() == CustomerRisk.objects.count()
    assert 0.05 < result["share_high"] < 0.35
    assert sum(result["labels"].values()) == result["customers"]
    assert Tag.objects.filter(kind="rule").count() == 6
    assert Tag.objects.filter(kind="manual").count() == 3
    assert CustomerTag.objects.filter(tag__name="高敏感").count() == result["labels"]["high"]
    assert CustomerTag.objects.filter(tag__name="高价值").exists()
    # the monthly labels of the demo year (kefu demo computed them; here the current one)
    months = list(RiskSnapshotMonth.objects.values_list("month", flat=True))
    assert len(months) >= 12 and months[0].isoformat() == "2024-01-01"
    assert result["label_months"] == 1  # the others were computed by kefu demo already
    assert RiskSnapshot.objects.filter(month="2024-09-01", label="high").exists()
    snapshots = RiskSnapshot.objects.count()
    # the win-back campaign: every 高价值 customer, split, outcomes for some contact members
    campaign = WinbackCampaign.objects.get(name=DEMO_CAMPAIGN)
    tagged = CustomerTag.objects.filter(tag__name="高价值").count()
    assert result["winback_members"] == campaign.members.count() == tagged
    contact = campaign.members.filter(group="contact")
    assert contact.exclude(outcome="").exists() and contact.filter(outcome="").exists()
    assert not campaign.members.filter(group="control").exclude(outcome="").exists()
    outcomes = list(campaign.members.order_by("pk").values_list("group", "outcome"))
    # again: nothing new
    assert seed_demo(42)["tags_created"] == 0
    assert Tag.objects.count() == 9
    assert WinbackCampaign.objects.count() == 1
    assert list(campaign.members.order_by("pk").values_list("group", "outcome")) == outcomes
    assert RiskSnapshot.objects.count() == snapshots


def test_seed_demo_without_data_does_nothing(db):
    assert seed_demo(42) == {"customers": 0}


def test_the_back_test_command_prints_the_figures(demo):
    out = io.StringIO()
    call_command(
        "customers_backtest", "--as-of", "2024-09-30", "--horizon", "30", "--windows", "3",
        stdout=out,
    )  # fmt: skip
    text = out.getvalue()
    assert "as of 2024-09-30 (end of day), next 30 days, 3 windows pooled" in text
    assert "risk score (high label)" in text and "baseline: complained before" in text
    assert "calibration" in text


def test_the_back_test_command_refuses_bad_arguments(db):
    with pytest.raises(Exception, match="YYYY-MM-DD"):
        call_command("customers_backtest", "--as-of", "30/9", stdout=io.StringIO())
    with pytest.raises(Exception, match="horizon"):
        call_command(
            "customers_backtest", "--as-of", "2024-09-30", "--horizon", "0", stdout=io.StringIO()
        )
