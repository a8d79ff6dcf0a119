"""Excel exports: the `kefu metrics --format xlsx` workbook and the monthly review
(department, teams, agents against their targets), opened back with openpyxl."""

from __future__ import annotations

import io
import zoneinfo
from datetime import date, datetime, timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from conftest import native_conversation
from kefu.accounts.access import ALL
from kefu.accounts.models import Team
from kefu.audit.models import AuditAction, AuditLog
from kefu.lib.downloads import XLSX_CONTENT_TYPE
from kefu.metrics import exports
from kefu.metrics.core.catalogue import FIGURES
from kefu.metrics.core.kpis import KEYS
from kefu.metrics.models import ImprovementAction, Target
from kefu.metrics.selectors import Scope, figures, scope_for

TZ = zoneinfo.ZoneInfo("Asia/Shanghai")
MAY = Scope(date(2024, 5, 1), date(2024, 5, 31), visible=ALL)
REVIEW = reverse("metrics:review_export")
H = exports.HEADER_ROW
GREEN, RED = exports.GOOD_FILL.fgColor.rgb, exports.BAD_FILL.fgColor.rgb


def conversation(agent: str, created: datetime, reply_after_s: int, csat: int) -> dict:
    record = native_conversation(created=created, agent=agent, survey={"csat": csat, "nps": 9})
    record["messages"] = [
        {"id": "m1", "role": "customer", "at": created.isoformat(), "text": "退款还没到"},
        {
            "id": "m2",
            "role": "agent",
            "agent": agent,
            "at": (created + timedelta(seconds=reply_after_s)).isoformat(),
            "text": "您好，我来帮您查询",
        },
    ]
    return record


@pytest.fixture
def may(personas, import_records):
    """alice (售后一组) answers in 18 s, satisfied customers; bob (售前一组) in 50 s,
    unhappy ones; one conversation of alice's in April."""
    import_records(
        conversation("A0007", datetime(2024, 5, 2, 10, tzinfo=TZ), 18, 5),
        conversation("A0007", datetime(2024, 5, 9, 11, tzinfo=TZ), 20, 4),
        conversation("A0102", datetime(2024, 5, 3, 9, tzinfo=TZ), 50, 2),
        conversation("A0102", datetime(2024, 5, 20, 15, tzinfo=TZ), 40, 3),
        conversation("A0007", datetime(2024, 4, 12, 10, tzinfo=TZ), 25, 5),
    )
    return personas


def workbook(write, *args, **kwargs):
    stream = io.BytesIO()
    write(*args, stream, **kwargs)
    stream.seek(0)
    return load_workbook(stream)


def header(ws, row: int = 1) -> list:
    return [c.value for c in ws[row] if c.value is not None]


def column_of(ws, label: str, row: int = H) -> int:
    return header(ws, row).index(label) + 1


def row_of(ws, first_cell: str) -> int:
    for row in ws.iter_rows(min_row=H + 1):
        if row[0].value == first_cell:
            return row[0].row
    raise AssertionError(f"no row {first_cell!r} in {ws.title}")


def first_column(ws) -> list:
    return [r[0].value for r in ws.iter_rows(min_row=H + 1) if r[0].value is not None]


def fill(cell) -> str | None:
    return cell.fill.fgColor.rgb if cell.fill.fill_type == "solid" else None


def review_download(persona, **params):
    client = Client()
    client.force_login(persona)
    return client.get(REVIEW, params)


# --- `kefu metrics --format xlsx` ----------------------------------------------------------


def test_the_figures_workbook_has_the_contract_keys_and_raw_values(may):
    result = figures(MAY)
    ws = workbook(exports.write_figures_workbook, result, None).active
    assert header(ws) == list(KEYS)
    values = {key: ws.cell(row=2, column=i).value for i, key in enumerate(KEYS, start=1)}
    assert values == pytest.approx(result)
    assert ws.max_row == 2
    assert ws.freeze_panes == "A2"
    formats = {key: ws.cell(row=2, column=i).number_format for i, key in enumerate(KEYS, 1)}
    assert formats["fcr_rate"] == "0.0%"
    assert formats["frt_mean_s"] == "0.0"
    assert formats["conversations"] == "0"
    assert not isinstance(values["fcr_rate"], str)  # numbers, not formatted text


def test_the_grouped_figures_workbook_has_one_row_per_group(may):
    result = figures(MAY, "agent")
    ws = workbook(exports.write_figures_workbook, result, "agent").active
    assert header(ws) == ["group", *KEYS]
    rows = {r[0]: dict(zip(KEYS, r[1:], strict=True)) for r in ws.iter_rows(2, values_only=True)}
    assert set(rows) == {"A0007", "A0102"}
    for group in result:
        assert rows[group.label] == pytest.approx(group.figures)
    assert ws.freeze_panes == "B2"


def test_months_without_data_are_rows_of_empty_cells(may):
    result = figures(Scope(date(2024, 4, 1), date(2024, 6, 30), visible=ALL), "month")
    ws = workbook(exports.write_figures_workbook, result, "month").active
    rows = list(ws.iter_rows(2, values_only=True))
    assert [r[0] for r in rows] == ["2024-04", "2024-05", "2024-06"]
    assert rows[0][1] == 1 and rows[1][1] == 4
    assert rows[2][1] == 0 and rows[2][2] is None


def test_kefu_metrics_writes_the_workbook(may, tmp_path):
    path = tmp_path / "may.xlsx"
    call_command("metrics", "--from", "2024-05-01", "--to", "2024-05-31", "--by", "team",
                 "--format", "xlsx", "--output", str(path))  # fmt: skip
    ws = load_workbook(path).active
    assert [r[0] for r in ws.iter_rows(2, values_only=True)] == ["售前一组", "售后一组"]


# --- the monthly review -------------------------------------------------------------------


def test_the_review_has_its_sheets_with_the_period_in_the_titles(may):
    book = workbook(exports.write_review_workbook, MAY)
    # (then the sheets higher apps register, e.g. the knowledge base's)
    assert book.sheetnames[:5] == ["部门", "按班组", "按客服", "目标", "改进措施"]
    for ws in book.worksheets:
        assert "2024-05" in ws["A1"].value
        assert ws.freeze_panes is not None
    english = workbook(exports.write_review_workbook, MAY, language="en")
    assert english.sheetnames[:5] == ["Department", "By team", "By agent", "Targets", "Actions"]
    assert column_of(english["By team"], "First contact resolution")


def test_the_department_sheet_holds_the_totals_against_the_targets(may):
    ws = workbook(exports.write_review_workbook, MAY)["部门"]
    totals = figures(MAY)
    value, target = column_of(ws, "本期"), column_of(ws, "目标")
    for key in KEYS:
        row = row_of(ws, FIGURES[key].label_zh)
        assert ws.cell(row=row, column=2).value == key
        assert ws.cell(row=row, column=value).value == pytest.approx(totals[key])
    frt = row_of(ws, "平均首响时间")
    assert ws.cell(row=frt, column=target).value == 30
    assert ws.cell(row=frt, column=value).value == pytest.approx(totals["frt_mean_s"])
    # (18 + 20 + 50 + 40) / 4 = 32 s > 30 s: missed
    assert fill(ws.cell(row=frt, column=value)) == RED
    assert ws.cell(row=frt, column=column_of(ws, "是否达标")).value == "未达标"
    fcr = row_of(ws, "一次解决率")
    assert ws.cell(row=fcr, column=value).number_format == "0.0%"
    assert fill(ws.cell(row=fcr, column=value)) == GREEN  # all resolved, no repeats
    # previous month (April: one conversation of alice's)
    assert ws.cell(row=row_of(ws, "会话量"), column=column_of(ws, "上期")).value == 1
    # benchmark sets as columns
    ecommerce = column_of(ws, "基准：电商行业")
    assert ws.cell(row=frt, column=ecommerce).value == 60


def test_team_cells_are_green_or_red_by_each_teams_target(may):
    after_sales = Team.objects.get(name="售后一组")
    # the after-sales team must answer within 15 s: alice's 19 s mean now misses
    Target.objects.create(key="frt_mean_s", team=after_sales, value=15)
    book = workbook(exports.write_review_workbook, MAY)
    ws = book["按班组"]
    frt = column_of(ws, "平均首响时间")
    csat = column_of(ws, "满意率")
    pre, post = row_of(ws, "售前一组"), row_of(ws, "售后一组")
    by_team = {g.label: g.figures for g in figures(MAY, "team")}
    assert ws.cell(row=post, column=frt).value == pytest.approx(by_team["售后一组"]["frt_mean_s"])
    assert ws.cell(row=post, column=frt).value == pytest.approx(19)
    assert fill(ws.cell(row=post, column=frt)) == RED  # 19 s > its own 15 s
    assert fill(ws.cell(row=pre, column=frt)) == RED  # 45 s > the department's 30 s
    assert fill(ws.cell(row=post, column=csat)) == GREEN  # 100 % ≥ 93 %
    assert fill(ws.cell(row=pre, column=csat)) == RED  # 0 % < 93 %
    # a figure with no target has no fill
    assert fill(ws.cell(row=post, column=column_of(ws, "平均处理时长"))) is None
    # the total row is judged against the department
    assert fill(ws.cell(row=row_of(ws, "合计"), column=frt)) == RED
    # the targets sheet lists the override used
    targets = book["目标"]
    rows = [[c.value for c in r] for r in targets.iter_rows(min_row=H + 1)]
    assert rows[1][:6] == ["平均首响时间", "frt_mean_s", "售后一组", "全部层级", "≤", 15]
    assert rows[0][:6] == ["平均首响时间", "frt_mean_s", "全部门", "全部层级", "≤", 30]


def test_agent_rows_use_their_team_and_tier_targets(may):
    after_sales = Team.objects.get(name="售后一组")
    Target.objects.create(key="frt_mean_s", team=after_sales, tier="senior", value=10)
    ws = workbook(exports.write_review_workbook, MAY)["按客服"]
    assert header(ws, H)[:4] == ["工号", "姓名", "班组", "层级"]
    assert first_column(ws) == ["A0102", "A0007"]  # by team name, then id
    alice, bob = row_of(ws, "A0007"), row_of(ws, "A0102")
    assert [ws.cell(row=alice, column=c).value for c in (2, 3, 4)] == ["李娜", "售后一组", "资深"]
    frt = column_of(ws, "平均首响时间")
    by_agent = {g.label: g.figures for g in figures(MAY, "agent")}
    assert ws.cell(row=alice, column=frt).value == pytest.approx(by_agent["A0007"]["frt_mean_s"])
    assert fill(ws.cell(row=alice, column=frt)) == RED  # 19 s > the senior target 10 s
    assert fill(ws.cell(row=bob, column=frt)) == RED  # 45 s > 30 s
    Target.objects.filter(tier="senior").delete()
    ws = workbook(exports.write_review_workbook, MAY)["按客服"]
    assert fill(ws.cell(row=alice, column=frt)) == GREEN  # 19 s ≤ 30 s


def test_the_review_lists_the_periods_improvement_actions(may):
    ImprovementAction.objects.create(on=date(2024, 5, 10), title="退款话术更新")
    ImprovementAction.objects.create(on=date(2024, 6, 1), title="六月的措施")
    ws = workbook(exports.write_review_workbook, MAY)["改进措施"]
    assert [r[2].value for r in ws.iter_rows(min_row=H + 1)] == ["退款话术更新"]


def test_an_agents_scope_holds_only_their_own_row(may):
    scope = scope_for(may.alice, MAY.date_from, MAY.date_to)
    book = workbook(exports.write_review_workbook, scope)
    assert first_column(book["按客服"]) == ["A0007"]
    assert first_column(book["按班组"]) == ["售后一组", "合计"]


# --- the download -------------------------------------------------------------------------


def test_alices_review_download_holds_only_her_row(may):
    response = review_download(may.alice, month="2024-05")
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert 'filename="kefu-review-2024-05.xlsx"' in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content))
    agents = book["按客服"]
    assert first_column(agents) == ["A0007"]
    assert "A0102" not in [c.value for row in agents.iter_rows() for c in row]
    department = book["部门"]
    count = department.cell(row=row_of(department, "会话量"), column=column_of(department, "本期"))
    assert count.value == 2  # her own May conversations
    entry = AuditLog.objects.get(action=AuditAction.EXPORT)
    assert (entry.actor, entry.object_type, entry.object_id) == ("alice", "kpi_review", "2024-05")
    assert entry.detail["scoped"] is True


def test_a_supervisor_gets_their_team_and_a_manager_everyone(may):
    sams = load_workbook(io.BytesIO(review_download(may.sam, month="2024-05").content))
    assert first_column(sams["按客服"]) == ["A0007"]
    mias = load_workbook(io.BytesIO(review_download(may.mia, month="2024-05").content))
    assert first_column(mias["按客服"]) == ["A0102", "A0007"]


def test_the_default_month_is_the_last_month_with_data(may):
    response = review_download(may.mia)
    assert 'filename="kefu-review-2024-05.xlsx"' in response["Content-Disposition"]


def test_the_review_download_needs_a_log_in_and_a_role(may, client):
    response = client.get(REVIEW)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    assert review_download(may.olga).status_code == 403
    assert review_download(may.mia, month="May").status_code == 400
    assert review_download(may.mia, month="2024-13").status_code == 400
    assert not AuditLog.objects.filter(action=AuditAction.EXPORT).exists()


def test_write_review_file_for_a_command_line_flag(may, tmp_path):
    path = exports.write_review_file(tmp_path / "r.xlsx", month="2024-05", user=may.bob)
    assert first_column(load_workbook(path)["按客服"]) == ["A0102"]
    assert exports.parse_month("2024-02") == (date(2024, 2, 1), date(2024, 2, 29))
