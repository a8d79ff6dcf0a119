"""Excel workbooks (openpyxl): the `kefu metrics --format xlsx` figures and the monthly
review (department, teams and agents against their targets).

Cells hold raw numbers (rates as fractions) with number formats, so the workbook can be
computed with; whether a figure meets its target is `Figure.meets`, shown as a green or
red fill.
"""

from __future__ import annotations

import calendar
import unicodedata
from collections.abc import Iterable
from datetime import date, timedelta
from pathlib import Path
from typing import BinaryIO

from django.db.models import Q
from django.utils import timezone, translation
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from kefu.accounts.access import ALL
from kefu.accounts.choices import Tier
from kefu.accounts.models import Agent
from kefu.core import periods
from kefu.core.periods import month_key, previous_period
from kefu.core.spreadsheet import save_as_text
from kefu.lib.language import short_language
from kefu.metrics import extra_sheets
from kefu.metrics.core.catalogue import ALL_FIGURES, FIGURES
from kefu.metrics.core.kpis import CALENDAR_TIME, KEYS
from kefu.metrics.models import ImprovementAction, Target
from kefu.metrics.selectors import (
    Figures,
    Group,
    Scope,
    benchmark_sets,
    contract_json,
    data_range,
    figures,
    scope_for,
    targets,
)

TIME_TITLES = {
    "calendar": "KPIs · 日历时间 calendar time",
    "business": "KPIs · 工作时间 business time (each conversation's service-level calendar)",
}
NUMBER_FORMATS = {
    "rate": "0.0%",
    "seconds": "0.0",
    "minutes": "0.0",
    "score5": "0.00",
    "points": "0.0",
    "count": "0",
}
GOOD_FILL = PatternFill("solid", fgColor="C6EFCE")
GOOD_FONT = Font(color="006100")
BAD_FILL = PatternFill("solid", fgColor="FFC7CE")
BAD_FONT = Font(color="9C0006")
HEADER_FILL = PatternFill("solid", fgColor="E5EAF2")
HEADER_FONT = Font(bold=True)
TITLE_FONT = Font(bold=True, size=14)

# The review's columns: the figures a monthly review talks about, plus any figure that
# has a target (so every target set in the settings is judged somewhere).
REVIEW_KEYS = (
    "conversations",
    "frt_mean_s",
    "frt_over_30s_rate",
    "response_rate",
    "aht_s",
    "fcr_rate",
    "repeat_contact_rate",
    "csat_mean",
    "csat_satisfied_rate",
    "nps",
    "complaint_rate",
    "escalation_rate",
)
# Review sheets: title (row 1), period and scope (row 2), legend (row 3), header (row 4).
HEADER_ROW = 4

_TEXT: dict[str, tuple[str, str]] = {
    "sheet_department": ("部门", "Department"),
    "sheet_teams": ("按班组", "By team"),
    "sheet_agents": ("按客服", "By agent"),
    "sheet_targets": ("目标", "Targets"),
    "sheet_actions": ("改进措施", "Actions"),
    "title": ("月度 KPI 复盘", "Monthly KPI review"),
    "title_department": ("部门指标与目标", "Department figures vs targets"),
    "title_teams": ("各班组指标与目标", "Team figures vs their targets"),
    "title_agents": ("各客服指标与目标", "Agent figures vs their targets"),
    "title_targets": ("本复盘使用的目标", "Targets used in this review"),
    "title_actions": ("本期改进措施", "Improvement actions in the period"),
    "period": ("统计周期", "Period"),
    "scope_all": ("范围：全部会话", "Scope: all conversations"),
    "scope_visible": ("范围：您有权查看的会话", "Scope: the conversations you may see"),
    "generated": ("生成于", "Generated"),
    "legend": (
        "绿色：达到目标；红色：未达到目标；无底色：无目标或无数据。比率以百分比显示，时间单位为秒（标注分钟的除外）。",
        "Green: meets its target; red: misses it; no fill: no target or no data. "
        "Rates are shown as percentages, times in seconds unless marked minutes.",
    ),
    "figure": ("指标", "Figure"),
    "key": ("字段", "Key"),
    "value": ("本期", "This period"),
    "target": ("目标", "Target"),
    "direction": ("方向", "Direction"),
    "status": ("是否达标", "Status"),
    "met": ("达标", "Met"),
    "missed": ("未达标", "Missed"),
    "previous": ("上期", "Previous period"),
    "change": ("变化", "Change"),
    "team": ("班组", "Team"),
    "agent_id": ("工号", "Agent id"),
    "agent_name": ("姓名", "Name"),
    "tier": ("层级", "Tier"),
    "unassigned": ("未分配", "Unassigned"),
    "total": ("合计", "Total"),
    "whole_department": ("全部门", "Whole department"),
    "all_tiers": ("全部层级", "All tiers"),
    "changed_by": ("修改人", "Changed by"),
    "changed_at": ("修改时间", "Changed at"),
    "date": ("日期", "Date"),
    "action": ("措施", "Action"),
    "note": ("备注", "Note"),
    "benchmark": ("基准：", "Benchmark: "),
    "none": ("（无）", "(none)"),
}


def _t(name: str, lang: str) -> str:
    zh, en = _TEXT[name]
    return zh if lang == "zh" else en


# --- cell helpers -------------------------------------------------------------------------
def _number_format(key: str) -> str:
    figure = ALL_FIGURES.get(key)
    return NUMBER_FORMATS[figure.unit] if figure is not None else "General"


def _set_value(ws: Worksheet, row: int, column: int, key: str, value) -> None:
    cell = ws.cell(row=row, column=column, value=value)
    cell.number_format = _number_format(key)


def _judge(ws: Worksheet, row: int, column: int, key: str, value, target) -> bool | None:
    """Fill a cell green or red by whether `value` meets `target`; returns the verdict."""
    figure = ALL_FIGURES.get(key)
    verdict = figure.meets(value, target) if figure is not None else None
    cell = ws.cell(row=row, column=column)
    if verdict is True:
        cell.fill, cell.font = GOOD_FILL, GOOD_FONT
    elif verdict is False:
        cell.fill, cell.font = BAD_FILL, BAD_FONT
    return verdict


def _header(ws: Worksheet, row: int, labels: Iterable[str]) -> None:
    for column, label in enumerate(labels, start=1):
        cell = ws.cell(row=row, column=column, value=label)
        cell.fill, cell.font = HEADER_FILL, HEADER_FONT
        cell.alignment = Alignment(wrap_text=True, vertical="center")


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _fit_columns(ws: Worksheet, *, first_row: int = 1, minimum: int = 8, maximum: int = 40):
    widths: dict[int, int] = {}
    for row in ws.iter_rows(min_row=first_row):
        for cell in row:
            if cell.value is None:
                continue
            text = cell.value if isinstance(cell.value, str) else "0000000000"
            length = _display_width(text)
            widths[cell.column] = max(widths.get(cell.column, 0), length)
    for column, width in widths.items():
        ws.column_dimensions[get_column_letter(column)].width = max(
            minimum, min(maximum, width + 2)
        )


# --- `kefu metrics --format xlsx` ----------------------------------------------------------
def write_figures_workbook(
    result: Figures | list[Group],
    by: str | None,
    stream: BinaryIO,
    *,
    scope: Scope | None = None,
    user=None,
    time: str = CALENDAR_TIME,
):
    """One sheet: a header of the contract's JSON keys ("group" first when grouped) and
    one row per group (a single row when not grouped), raw values with number formats.
    Given the scope (and its user), the sheets other apps register follow
    (`kefu.metrics.extra_sheets`). The time of the time figures is in the workbook's
    title and description; business time also names the sheet "KPIs 工作时间"."""
    workbook = Workbook()
    ws = workbook.active
    ws.title = "KPIs" if time == CALENDAR_TIME else "KPIs 工作时间"
    workbook.properties.title = TIME_TITLES[time]
    workbook.properties.description = TIME_TITLES[time]
    grouped = by is not None
    columns = (["group"] if grouped else []) + list(KEYS)
    _header(ws, 1, columns)
    rows = contract_json(result)
    for offset, row in enumerate(rows if grouped else [rows], start=2):
        for column, key in enumerate(columns, start=1):
            if key == "group":
                ws.cell(row=offset, column=column, value=row["group"])
            else:
                _set_value(ws, offset, column, key, row[key])
    ws.freeze_panes = "B2" if grouped else "A2"
    _fit_columns(ws, minimum=10, maximum=28)
    if scope is not None:
        _extra_sheets(workbook, scope, user, "zh")
    save_as_text(workbook, stream)


def _extra_sheets(workbook: Workbook, scope: Scope, user, lang: str) -> None:
    """The sheets registered by higher apps, within the workbook's scope: its user's, or
    everything; a limited scope without its user gets none."""
    if user is None and scope.visible is not ALL:
        return
    extra_sheets.add_all(workbook, scope.date_from, scope.date_to, user, lang)


# --- the monthly review ----------------------------------------------------------------------
def parse_month(text: str) -> tuple[date, date]:
    """'2024-05' → (2024-05-01, 2024-05-31); ValueError when it is not a month."""
    bounds = periods.parse_month(text, timezone.localdate())
    if bounds is None:
        raise ValueError(f"not a month (YYYY-MM) from 2000 on: {text!r}")
    return bounds


def default_review_month() -> str:
    """The last month with data (this month when there is none)."""
    _, last = data_range()
    return month_key(last or timezone.localdate())


def _is_whole_month(date_from: date, date_to: date) -> bool:
    return (
        date_from.day == 1
        and (date_from.year, date_from.month) == (date_to.year, date_to.month)
        and date_to.day == calendar.monthrange(date_to.year, date_to.month)[1]
    )


def _previous(scope: Scope) -> Scope:
    """The month before a whole month; else the period of the same length before."""
    if _is_whole_month(scope.date_from, scope.date_to):
        last = scope.date_from - timedelta(days=1)
        return scope.narrow(date_from=last.replace(day=1), date_to=last)
    start, end = previous_period(scope.date_from, scope.date_to)
    return scope.narrow(date_from=start, date_to=end)


def _period_text(scope: Scope) -> str:
    if _is_whole_month(scope.date_from, scope.date_to):
        return month_key(scope.date_from)
    return f"{scope.date_from.isoformat()} – {scope.date_to.isoformat()}"


def review_keys() -> list[str]:
    targeted = set(Target.objects.values_list("key", flat=True))
    return [k for k in KEYS if k in REVIEW_KEYS or k in targeted]


class _Targets:
    """`selectors.targets` memoised per (team, tier)."""

    def __init__(self) -> None:
        self._cache: dict[tuple[int | None, str], dict[str, float]] = {}

    def __call__(self, team_id: int | None = None, tier: str = "") -> dict[str, float]:
        if (team_id, tier) not in self._cache:
            self._cache[team_id, tier] = targets(team_id, tier)
        return self._cache[team_id, tier]


def _titles(ws: Worksheet, scope: Scope, lang: str, title_key: str, legend: bool = True) -> None:
    title = f"{_t('title', lang)} · {_period_text(scope)} · {_t(title_key, lang)}"
    ws.cell(row=1, column=1, value=title).font = TITLE_FONT
    scope_text = _t("scope_all" if scope.visible is ALL else "scope_visible", lang)
    stamp = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    ws.cell(
        row=2,
        column=1,
        value=f"{_t('period', lang)}: {scope.date_from.isoformat()} – "
        f"{scope.date_to.isoformat()}  ·  {scope_text}  ·  {_t('generated', lang)} {stamp}",
    )
    if legend:
        ws.cell(row=3, column=1, value=_t("legend", lang)).font = Font(italic=True, color="555555")


def _finish(ws: Worksheet, freeze: str, *, minimum: int = 10, maximum: int = 30) -> None:
    ws.freeze_panes = freeze
    _fit_columns(ws, first_row=HEADER_ROW, minimum=minimum, maximum=maximum)
    ws.row_dimensions[HEADER_ROW].height = 32


def _department_sheet(ws, scope: Scope, lang: str, goals: _Targets) -> None:
    _titles(ws, scope, lang, "title_department")
    current = figures(scope)
    previous = figures(_previous(scope))
    department = goals()
    benchmarks = benchmark_sets()
    labels = [
        _t("figure", lang),
        _t("key", lang),
        _t("value", lang),
        _t("target", lang),
        _t("direction", lang),
        _t("status", lang),
        _t("previous", lang),
        _t("change", lang),
        *(_t("benchmark", lang) + b.name for b, _ in benchmarks),
    ]
    _header(ws, HEADER_ROW, labels)
    for row, key in enumerate(KEYS, start=HEADER_ROW + 1):
        figure = FIGURES[key]
        value, target, before = current[key], department.get(key), previous[key]
        ws.cell(row=row, column=1, value=figure.label(lang))
        ws.cell(row=row, column=2, value=key).font = Font(color="777777")
        _set_value(ws, row, 3, key, value)
        _set_value(ws, row, 4, key, target)
        if figure.higher_is_better is not None:
            ws.cell(row=row, column=5, value="≥" if figure.higher_is_better else "≤")
        verdict = _judge(ws, row, 3, key, value, target)
        if verdict is not None:
            ws.cell(row=row, column=6, value=_t("met" if verdict else "missed", lang))
            _judge(ws, row, 6, key, value, target)
        _set_value(ws, row, 7, key, before)
        if value is not None and before is not None:
            _set_value(ws, row, 8, key, value - before)
        for column, (_, values) in enumerate(benchmarks, start=9):
            if key in values:
                _set_value(ws, row, column, key, values[key])
    # Benchmarks may name figures measured elsewhere (QA compliance…): list them too.
    extra = [k for k in ALL_FIGURES if k not in FIGURES and any(k in v for _, v in benchmarks)]
    for row, key in enumerate(extra, start=HEADER_ROW + 1 + len(KEYS)):
        ws.cell(row=row, column=1, value=ALL_FIGURES[key].label(lang))
        ws.cell(row=row, column=2, value=key).font = Font(color="777777")
        for column, (_, values) in enumerate(benchmarks, start=9):
            if key in values:
                _set_value(ws, row, column, key, values[key])
    _finish(ws, f"C{HEADER_ROW + 1}")


def _team_sheet(ws, scope: Scope, lang: str, goals: _Targets, keys: list[str]) -> set[int]:
    _titles(ws, scope, lang, "title_teams")
    _header(ws, HEADER_ROW, [_t("team", lang), *(ALL_FIGURES[k].label(lang) for k in keys)])
    groups = figures(scope, "team")
    rows: list[tuple[str, int | None, Figures, bool]] = [
        (g.label or _t("unassigned", lang), g.key, g.figures, False) for g in groups
    ]
    rows.append((_t("total", lang), None, figures(scope), True))
    for row, (label, team_id, values, total) in enumerate(rows, start=HEADER_ROW + 1):
        ws.cell(row=row, column=1, value=label).font = Font(bold=total)
        goal = goals(team_id)
        for column, key in enumerate(keys, start=2):
            _set_value(ws, row, column, key, values[key])
            _judge(ws, row, column, key, values[key], goal.get(key))
    _finish(ws, f"B{HEADER_ROW + 1}")
    return {g.key for g in groups if g.key is not None}


def _tier_label(tier: str, lang: str) -> str:
    if not tier:
        return ""
    with translation.override("zh-hans" if lang == "zh" else "en"):
        return str(Tier(tier).label) if tier in Tier.values else tier


def _agent_sheet(ws, scope: Scope, lang: str, goals: _Targets, keys: list[str]) -> set[int]:
    _titles(ws, scope, lang, "title_agents")
    fixed = [_t("agent_id", lang), _t("agent_name", lang), _t("team", lang), _t("tier", lang)]
    _header(ws, HEADER_ROW, [*fixed, *(ALL_FIGURES[k].label(lang) for k in keys)])
    groups = [g for g in figures(scope, "agent") if g.key is not None]
    agents = Agent.objects.select_related("team").in_bulk([g.key for g in groups])
    groups.sort(key=lambda g: ((agents[g.key].team.name if agents[g.key].team else "~"), g.label))
    for row, group in enumerate(groups, start=HEADER_ROW + 1):
        agent = agents[group.key]
        ws.cell(row=row, column=1, value=agent.external_id)
        ws.cell(row=row, column=2, value=agent.name)
        ws.cell(row=row, column=3, value=agent.team.name if agent.team else "")
        ws.cell(row=row, column=4, value=_tier_label(agent.tier, lang))
        goal = goals(agent.team_id, agent.tier)
        for column, key in enumerate(keys, start=len(fixed) + 1):
            _set_value(ws, row, column, key, group.figures[key])
            _judge(ws, row, column, key, group.figures[key], goal.get(key))
    _finish(ws, f"C{HEADER_ROW + 1}", minimum=8)
    return {a.team_id for a in agents.values() if a.team_id is not None}


def _targets_sheet(ws, scope: Scope, lang: str, team_ids: set[int]) -> None:
    _titles(ws, scope, lang, "title_targets", legend=False)
    labels = ["figure", "key", "team", "tier", "direction", "target", "changed_by", "changed_at"]
    _header(ws, HEADER_ROW, [_t(name, lang) for name in labels])
    order = {k: i for i, k in enumerate(ALL_FIGURES)}
    rows = [
        t
        for t in Target.objects.select_related("team", "updated_by")
        if t.team_id is None or t.team_id in team_ids
    ]
    rows.sort(key=lambda t: (order.get(t.key, 999), t.team.name if t.team else "", t.tier))
    for row, target in enumerate(rows, start=HEADER_ROW + 1):
        figure = ALL_FIGURES.get(target.key)
        ws.cell(row=row, column=1, value=figure.label(lang) if figure else target.key)
        ws.cell(row=row, column=2, value=target.key).font = Font(color="777777")
        team = target.team.name if target.team else _t("whole_department", lang)
        ws.cell(row=row, column=3, value=team)
        ws.cell(row=row, column=4, value=_tier_label(target.tier, lang) or _t("all_tiers", lang))
        if figure is not None and figure.higher_is_better is not None:
            ws.cell(row=row, column=5, value="≥" if figure.higher_is_better else "≤")
        _set_value(ws, row, 6, target.key, target.value)
        by = target.updated_by.get_username() if target.updated_by else ""
        ws.cell(row=row, column=7, value=by)
        changed = timezone.localtime(target.updated_at).replace(tzinfo=None, microsecond=0)
        ws.cell(row=row, column=8, value=changed).number_format = "yyyy-mm-dd hh:mm"
    _finish(ws, f"A{HEADER_ROW + 1}")


def _actions_sheet(ws, scope: Scope, lang: str, team_ids: set[int]) -> None:
    _titles(ws, scope, lang, "title_actions", legend=False)
    _header(ws, HEADER_ROW, [_t(n, lang) for n in ("date", "team", "action", "note")])
    actions = ImprovementAction.objects.filter(
        on__gte=scope.date_from, on__lte=scope.date_to
    ).select_related("team")
    if scope.visible is not ALL:  # the department's and the reader's teams' actions
        actions = actions.filter(Q(team__isnull=True) | Q(team_id__in=team_ids))
    row = HEADER_ROW
    for row, action in enumerate(actions.order_by("on", "pk"), start=HEADER_ROW + 1):
        ws.cell(row=row, column=1, value=action.on).number_format = "yyyy-mm-dd"
        team = action.team.name if action.team else _t("whole_department", lang)
        ws.cell(row=row, column=2, value=team)
        ws.cell(row=row, column=3, value=action.title)
        ws.cell(row=row, column=4, value=action.note)
    if row == HEADER_ROW:
        ws.cell(row=row + 1, column=1, value=_t("none", lang))
    _finish(ws, f"A{HEADER_ROW + 1}", maximum=60)


def write_review_workbook(
    scope: Scope, stream: BinaryIO, language: str = "zh", *, user=None
) -> None:
    """The monthly review: the department's figures against its targets, each team's
    and each agent's against theirs (green meets, red misses), the targets used and the
    improvement actions of the period, then the sheets other apps register (within
    `user`'s scope). `scope` decides what is in it (an agent's workbook holds only their
    own row)."""
    lang = short_language(language)
    goals = _Targets()
    keys = review_keys()
    workbook = Workbook()
    department = workbook.active
    department.title = _t("sheet_department", lang)
    _department_sheet(department, scope, lang, goals)
    team_ids = _team_sheet(workbook.create_sheet(_t("sheet_teams", lang)), scope, lang, goals, keys)
    team_ids |= _agent_sheet(
        workbook.create_sheet(_t("sheet_agents", lang)), scope, lang, goals, keys
    )
    _targets_sheet(workbook.create_sheet(_t("sheet_targets", lang)), scope, lang, team_ids)
    _actions_sheet(workbook.create_sheet(_t("sheet_actions", lang)), scope, lang, team_ids)
    _extra_sheets(workbook, scope, user, lang)
    save_as_text(workbook, stream)


def review_scope(month: str | None = None, user=None) -> Scope:
    """The scope of a month's review: everything, or what `user` may see."""
    date_from, date_to = parse_month(month or default_review_month())
    if user is None:
        return Scope(date_from, date_to, visible=ALL)
    return scope_for(user, date_from, date_to)


def review_filename(scope: Scope) -> str:
    return f"kefu-review-{_period_text(scope).replace(' – ', '_')}.xlsx"


def write_review_file(
    path: Path | str | None = None, *, month: str | None = None, user=None, language: str = "zh"
) -> Path:
    """For a CLI flag (`kefu metrics --review 2024-05 --output FILE`): write the month's
    review (default: the last month with data) to `path` (default: kefu-review-YYYY-MM.xlsx
    in the working directory), within `user`'s scope when given. Returns the path."""
    scope = review_scope(month, user)
    target = Path(path) if path is not None else Path(review_filename(scope))
    with target.open("wb") as stream:
        write_review_workbook(scope, stream, language, user=user)
    return target
