"""The data-use statement: generated from the scorecards in use; every user reads it; an
agent also reads their own reviews, calibration reasons and the conversations behind."""

from __future__ import annotations

import pytest
from django.utils import translation

from conftest import client_for
from kefu.performance.models import BarsRating, BarsScale, CalibrationAdjustment, Template
from kefu.performance.tests.fairness_data import make_cycle, make_score
from kefu.performance.transparency import mapping_text

pytestmark = pytest.mark.django_db
URL = "/performance/transparency/"


@pytest.fixture
def reviewed(personas, import_records):
    from conftest import native_conversation

    import_records(native_conversation(id="C-TR-EVIDENCE", agent="A0007"))
    cycle = make_cycle()
    mine = make_score(cycle, personas.alice.agent, 72.0, calibrated=76.0)
    CalibrationAdjustment.objects.create(
        score=mine, before=72.0, after=76.0, reason="神秘客户样本过少", by=personas.mia
    )
    make_score(cycle, personas.bob.agent, 91.0)
    rating = BarsRating.objects.create(
        cycle=cycle, agent=personas.alice.agent, scale=BarsScale.objects.get(code="attitude"),
        rater=personas.sam, level=4,
    )  # fmt: skip
    rating.evidence.add(personas.alice.agent.conversations.get(external_id="C-TR-EVIDENCE"))
    return cycle


def test_an_agent_reads_their_data_their_reviews_and_the_evidence(reviewed, personas):
    response = client_for(personas.alice).get(URL, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    page = response.content.decode()
    # every kind of data the scorecards read, with the figures in use
    for prefix in ("kpi", "qa", "training", "reviews", "bars", "feedback", "fairness"):
        assert f'data-family="{prefix}"' in page
    assert "平均首响时间" in page  # a KPI label from the metrics catalogue
    # alice is senior: her scorecard first and open
    assert response.context["cards"][0]["template"].family == "senior"
    assert response.context["cards"][0]["mine"]
    # her review with its calibration reason, not bob's
    assert [r.agent_id for r in response.context["reviews"]] == [personas.alice.agent.pk]
    assert "神秘客户样本过少" in page and "91.0" not in page
    assert "/conversations/?agent=A0007&amp;date_from=2024-10-01&amp;date_to=2024-12-31" in page
    assert 'href="/conversations/C-TR-EVIDENCE/"' in page
    assert "数据使用白皮书" in page


def test_users_without_an_agent_read_the_statement(reviewed, personas):
    for who in ("olga", "quinn", "mia"):
        response = client_for(getattr(personas, who)).get(URL)
        assert response.status_code == 200 and "reviews" not in response.context
        assert 'id="pf-my-reviews"' not in response.content.decode()


def test_anonymous_is_sent_to_log_in():
    assert client_for().get(URL).status_code == 302


def test_the_statement_follows_the_scorecards_in_use(personas):
    standard = Template.objects.get(family="standard", version=1)
    newer = Template.objects.create(family="standard", version=2, name="客服标准绩效 v2")
    line = standard.indicators.get(source="kpi.frt_mean_s")
    newer.indicators.create(
        dimension="efficiency", source="kpi.frt_mean_s", weight=100, floor=90, target=15
    )
    with translation.override("en"):
        assert mapping_text(line, "seconds") == (
            "Lower is better: 100 points at 20 s or less, 0 points at 60 s or more, "
            "in proportion in between."
        )
    response = client_for(personas.bob).get(URL)  # bob is regular: the standard card
    card = response.context["cards"][0]
    assert card["template"] == newer and card["mine"]
    assert [(x["source"], x["share"]) for x in card["lines"]] == [("kpi.frt_mean_s", 100.0)]
    assert "15 秒" in card["lines"][0]["mapping"] and "90 秒" in card["lines"][0]["mapping"]
