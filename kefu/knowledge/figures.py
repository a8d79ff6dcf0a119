"""The knowledge figures as a table: the figures page's CSV and the sheet the knowledge
app adds to the KPI workbooks (`kefu metrics --format xlsx`, the monthly review) through
`kefu.metrics.extra_sheets` (registered in KnowledgeConfig.ready(); metrics never imports
this app).

One row for the period, one per month, one per team (freshness, quality and overdue are
the knowledge base's, so a team's row leaves them empty). Rates are fractions, times hours.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from kefu.core.spreadsheet import safe_cell
from kefu.knowledge import selectors

COLUMNS = (
    "group",
    "closed_conversations",
    "linked_conversations",
    "new_article_requests",
    "link_rate",
    "reuse_rate",
    "requests_resolved",
    "freshness_median_h",
    "freshness_mean_h",
    "quality_index",
    "overdue_articles",
)
# the column headers in Chinese (the workbooks' language)
COLUMNS_ZH = {
    "group": "分组",
    "closed_conversations": "已结束会话",
    "linked_conversations": "关联文章的会话",
    "new_article_requests": "申请新文章的会话",
    "link_rate": "关联率",
    "reuse_rate": "复用率",
    "requests_resolved": "已解决的变更请求",
    "freshness_median_h": "更新时效中位数（小时）",
    "freshness_mean_h": "更新时效均值（小时）",
    "quality_index": "文章质量指数",
    "overdue_articles": "逾期未复审文章",
}
RATES = ("link_rate", "reuse_rate", "quality_index")
HOURS = ("freshness_median_h", "freshness_mean_h")
SHEET_TITLE = "知识库"
SHEET_TITLE_EN = "Knowledge base"


def _usage(usage: selectors.Usage) -> dict[str, Any]:
    return {
        "closed_conversations": usage.closed,
        "linked_conversations": usage.linked,
        "new_article_requests": usage.new,
        "link_rate": usage.link_rate,
        "reuse_rate": usage.reuse_rate,
    }


def _fresh(freshness) -> dict[str, Any]:
    return {
        "requests_resolved": freshness.resolved,
        "freshness_median_h": freshness.median_h,
        "freshness_mean_h": freshness.mean_h,
    }


def rows(data: selectors.KnowledgeFigures, period_label: str = "period") -> list[dict[str, Any]]:
    """The table's rows (every COLUMNS key; None where a figure has no value)."""
    empty = dict.fromkeys(COLUMNS)
    out = [
        empty
        | {"group": period_label}
        | _usage(data.usage)
        | _fresh(data.freshness)
        | {"quality_index": data.quality_index, "overdue_articles": data.overdue}
    ]
    for month in data.months:
        out.append(
            empty | {"group": month["month"]} | _usage(month["usage"]) | _fresh(month["freshness"])
        )
    for team in data.teams:
        out.append(empty | {"group": team["team"] or "—"} | _usage(team["usage"]))
    return out


def write_csv(data: selectors.KnowledgeFigures) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    label = f"{data.date_from.isoformat()}_{data.date_to.isoformat()}"
    for row in rows(data, label):
        writer.writerow([safe_cell(_text(row[c])) for c in COLUMNS])
    return "\ufeff" + out.getvalue()  # a BOM: Excel opens UTF-8 CSV as such


def _text(value: Any) -> Any:
    if isinstance(value, float):
        return f"{value:.4f}"
    return value


def add_sheet(workbook, date_from, date_to, user, language: str = "zh") -> None:
    """The KPI workbooks' knowledge sheet (`kefu.metrics.extra_sheets` hook): the figures
    of the workbook's period within `user`'s scope (None: everything). Row 1 the title
    with the period, row 2 the headers in the workbook's language, row 3 the keys, then
    the rows."""
    data = selectors.knowledge_figures(user, date_from, date_to)
    zh = language == "zh"
    ws = workbook.create_sheet(SHEET_TITLE if zh else SHEET_TITLE_EN)
    period = f"{date_from.isoformat()} – {date_to.isoformat()}"
    ws.append([f"{'知识库指标' if zh else 'Knowledge figures'} {period}"])
    ws.append([COLUMNS_ZH[c] if zh else c.replace("_", " ") for c in COLUMNS])
    ws.append(list(COLUMNS))
    for row in rows(data, period):
        ws.append([row[c] for c in COLUMNS])
    for column, key in enumerate(COLUMNS, start=1):
        fmt = "0.0%" if key in RATES else "0.0" if key in HOURS else None
        if fmt:
            for (cell,) in ws.iter_rows(min_row=4, min_col=column, max_col=column):
                cell.number_format = fmt
    ws.freeze_panes = "B4"
