"""The knowledge figures from the database, scoped by role; the page, its CSV and the
sheet the knowledge app adds to the KPI workbooks. Expected values computed by hand."""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from conftest import SHANGHAI, client_for, native_conversation
from kefu.accounts.access import ALL, nothing
from kefu.knowledge import actions, figures, selectors
from kefu.knowledge.choices import SearchSource
from kefu.knowledge.models import Article, SearchLog
from kefu.knowledge.tests.conftest import REFUND
from kefu.metrics import exports
from kefu.metrics.selectors import Scope
from kefu.metrics.selectors import figures as kpi_figures

MAY, JUNE_END = date(2024, 5, 1), date(2024, 6, 30)
ALL_MET = dict.fromkeys(
    ["unique", "customer_words", "complete", "clear", "accurate", "metadata", "snippet_ready"], True
)


def at(day: int, hour: float, month: int = 5) -> datetime:
    return datetime(2024, month, day, int(hour), int(hour % 1 * 60), tzinfo=SHANGHAI)


def conv(cid: str, agent: str, status: str, day: int = 2) -> dict:
    created = at(day, 10)
    extra = {"closed_at": at(day, 11).isoformat()} if status == "closed" else {}
    if status == "open":
        extra = {"resolved_at": None}
    return native_conversation(id=cid, agent=agent, status=status, created=created, **extra)


@pytest.fixture
def world(personas, published, import_records):
    """alice (售后一组): KF-1 closed + linked, KF-2 resolved + a new-article request,
    KF-3 resolved, KF-4 open + linked (not finished); bob (售前一组): KF-5 closed + linked.
    Requests: alice 05-03 10:00 → published 14:00 (4 h); bob 05-10 09:00 → 05-11 11:00
    (26 h); alice 06-02 08:00 → 09:30 (1.5 h). Checklists 7/7, 4/7, 5/7."""
    p = personas
    import_records(
        conv("KF-1", "A0007", "closed"), conv("KF-2", "A0007", "resolved"),
        conv("KF-3", "A0007", "resolved"), conv("KF-4", "A0007", "open"),
        conv("KF-5", "A0102", "closed"),
    )  # fmt: skip
    from kefu.interactions.models import Conversation

    ids = dict(Conversation.objects.values_list("external_id", "pk"))
    for cid, user in (("KF-1", p.alice), ("KF-4", p.alice), ("KF-5", p.bob)):
        actions.link(user, ids[cid], published.pk)
    actions.request_change(
        p.alice, kind="new", title="发票抬头怎么改", reason="没有文章", conversation_id=ids["KF-2"]
    )
    flags = [
        (p.alice, at(3, 10), at(3, 14), ALL_MET),
        (p.bob, at(10, 9), at(11, 11), dict(list(ALL_MET.items())[:4])),
        (p.alice, at(2, 8, 6), at(2, 9.5, 6), dict(list(ALL_MET.items())[:5])),
    ]
    for n, (user, asked, done, checklist) in enumerate(flags):
        actions.request_change(
            user, kind="flag", reason="过时了", article_id=published.pk, at=asked
        )
        actions.edit_article(p.quinn, published.pk, {**_version(REFUND), "note": str(n)}, at=done)
        actions.publish(p.quinn, published.pk, quality=checklist, at=done)
    # review dates: the FAQ is due in six months from now; another is overdue, one archived
    late = actions.create_article(p.quinn, {**REFUND, "title": "发票怎么开", "key": "late"})
    actions.publish(p.quinn, late.pk)
    gone = actions.create_article(p.quinn, {**REFUND, "title": "旧活动", "key": "gone"})
    actions.publish(p.quinn, gone.pk)
    actions.archive(p.quinn, gone.pk)
    Article.objects.filter(pk__in=[late.pk, gone.pk]).update(review_due=date(2024, 6, 15))
    for query, results, source in (
        ("发票怎么开？", 0, SearchSource.PAGE), ("发票怎么开", 0, SearchSource.PAGE),
        ("退款", 3, SearchSource.PAGE), ("物流丢件", 0, SearchSource.API),
        ("客户原话很长的一段", 0, SearchSource.WORKSPACE),
    ):  # fmt: skip
        SearchLog.objects.create(at=at(20, 12), query=query, results=results, source=source)
    return p


def _version(data: dict) -> dict:
    return {k: v for k, v in data.items() if k not in actions.ARTICLE_FIELDS}


def test_it_measures_everything_for_a_knowledge_owner(world):
    data = selectors.knowledge_figures(world.mia, MAY, JUNE_END)
    assert (data.usage.closed, data.usage.linked, data.usage.new) == (4, 2, 1)
    assert data.usage.link_rate == 0.5
    assert data.usage.reuse_rate == pytest.approx(2 / 3)
    assert data.freshness.resolved == 3
    assert data.freshness.median_h == 4.0
    assert data.freshness.mean_h == pytest.approx(31.5 / 3)
    may, june = data.months
    assert (may["month"], may["freshness"].median_h, may["freshness"].mean_h) == (
        "2024-05",
        15.0,
        15.0,
    )
    assert (june["freshness"].resolved, june["freshness"].median_h) == (1, 1.5)
    assert (may["usage"].closed, june["usage"].closed) == (4, 0)
    assert june["usage"].link_rate is None
    assert data.quality_index == pytest.approx((7 + 4 + 5) / 21)
    assert data.quality_checklists == 3
    assert (data.overdue, data.overdue_on) == (1, JUNE_END)
    assert [a.title for a in data.overdue_articles] == ["发票怎么开"]
    assert data.not_found == [("发票怎么开", 2), ("物流丢件", 1)]
    assert data.searches == 4
    teams = {t["team"]: (t["usage"].closed, t["usage"].linked) for t in data.teams}
    assert teams == {"售前一组": (1, 1), "售后一组": (3, 1)}


def test_an_agent_gets_their_own_and_a_supervisor_their_teams(world):
    alice = selectors.knowledge_figures(world.alice, MAY, JUNE_END)
    assert (alice.usage.closed, alice.usage.linked, alice.usage.new) == (3, 1, 1)
    assert alice.usage.link_rate == pytest.approx(1 / 3) and alice.usage.reuse_rate == 0.5
    assert (alice.freshness.resolved, alice.freshness.median_h) == (2, 2.75)
    assert alice.not_found is None  # the search log is the owners'
    sam = selectors.knowledge_figures(world.sam, MAY, JUNE_END)
    assert (sam.usage.closed, sam.usage.linked) == (3, 1)
    assert (sam.freshness.resolved, sam.freshness.mean_h) == (2, 2.75)
    bob = selectors.knowledge_figures(world.bob, MAY, JUNE_END)
    assert (bob.usage.link_rate, bob.usage.reuse_rate, bob.freshness.median_h) == (1.0, 1.0, 26.0)
    assert [t["team"] for t in bob.teams] == ["售前一组"]


def test_the_page_shows_the_figures_and_the_chart(world):
    response = client_for(world.mia).get(
        reverse("knowledge:figures"), {"from": "2024-05-01", "to": "2024-06-30"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="figure-link-rate">50' in html
    assert 'id="figure-freshness">4.0 h' in html
    assert 'id="freshness-chart-data"' in html and "发票怎么开" in html
    chart = response.context["chart"]
    assert chart["months"] == ["2024-05", "2024-06"]
    assert chart["median"] == [15.0, 1.5] and chart["link_rate"] == [50.0, None]
    alice = client_for(world.alice).get(reverse("knowledge:figures"), {"from": "2024-05-01"})
    assert alice.status_code == 200 and 'id="not-found-table"' not in alice.content.decode()
    assert client_for().get(reverse("knowledge:figures")).status_code == 302


def test_the_csv_holds_the_period_the_months_and_the_teams(world):
    response = client_for(world.mia).get(
        reverse("knowledge:figures_csv"), {"from": "2024-05-01", "to": "2024-06-30"}
    )
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0] == ",".join(figures.COLUMNS)
    assert lines[1] == "2024-05-01_2024-06-30,4,2,1,0.5000,0.6667,3,4.0000,10.5000,0.7619,1"
    assert lines[2].startswith("2024-05,4,2,1,0.5000,0.6667,2,15.0000,15.0000,,")
    assert [line.split(",")[0] for line in lines[3:]] == ["2024-06", "售前一组", "售后一组"]


def _workbook(scope: Scope, user=None):
    stream = io.BytesIO()
    exports.write_figures_workbook(kpi_figures(scope, None), None, stream, scope=scope, user=user)
    return load_workbook(io.BytesIO(stream.getvalue()))


def test_the_kpi_workbook_gets_a_knowledge_sheet_and_keeps_its_kpis(world):
    book = _workbook(Scope(MAY, JUNE_END, visible=ALL))
    assert book.sheetnames == ["KPIs", "知识库"]
    kpis = [c.value for c in book["KPIs"][1]]
    assert kpis[0] == "conversations" and "link_rate" not in kpis  # the contract's keys only
    ws = book["知识库"]
    assert ws["A1"].value == "知识库指标 2024-05-01 – 2024-06-30"
    assert [c.value for c in ws[3]] == list(figures.COLUMNS)
    row = dict(zip(figures.COLUMNS, [c.value for c in ws[4]], strict=True))
    assert row["link_rate"] == 0.5 and row["freshness_median_h"] == 4.0
    assert row["overdue_articles"] == 1
    # a limited scope without its user gets no sheet; with the user, the user's figures
    assert _workbook(Scope(MAY, JUNE_END, visible=nothing())).sheetnames == ["KPIs"]
    alice = _workbook(Scope(MAY, JUNE_END, visible=nothing()), user=world.alice)["知识库"]
    assert alice.cell(row=4, column=2).value == 3


def test_the_monthly_review_ends_with_the_knowledge_sheet(world):
    scope = exports.review_scope("2024-05", world.mia)
    stream = io.BytesIO()
    exports.write_review_workbook(scope, stream, language="en", user=world.mia)
    book = load_workbook(io.BytesIO(stream.getvalue()))
    assert book.sheetnames[-1] == "Knowledge base"
    assert book["Knowledge base"].cell(row=4, column=5).value == 0.5
