"""The roster workbook (openpyxl): the grid per agent and day, and per channel and
interval the forecast, requirement, agents on duty, gap and predicted service."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from typing import BinaryIO

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from kefu.core.spreadsheet import save_as_text
from kefu.workforce import selectors
from kefu.workforce.models import Roster

HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="E5EAF2")
SHORT_FILL = PatternFill("solid", fgColor="FFC7CE")


def shift_text(a) -> str:
    tz = selectors.local_tz()
    text = f"{a.start.astimezone(tz):%H:%M}–{a.end.astimezone(tz):%H:%M} {a.channel}"
    if a.break_start:
        text += f" ({_('break')} {a.break_start.astimezone(tz):%H:%M})"
    return text


def _header(sheet, values: list[str]) -> None:
    sheet.append(values)
    for cell in sheet[sheet.max_row]:
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL


def write_roster(roster: Roster, assignments, out: BinaryIO, *, with_plan: bool = True) -> None:
    book = Workbook()
    grid = book.active
    grid.title = _("Roster")
    days = [roster.week_start + timedelta(days=i) for i in range(7)]
    _header(grid, [_("Agent"), _("Name"), _("Team"), *[f"{d:%m-%d %a}" for d in days], _("Hours")])
    rows: dict[int, dict] = {}
    for a in assignments:
        row = rows.setdefault(a.agent_id, {"agent": a.agent, "days": {}, "minutes": 0})
        row["days"][a.day] = shift_text(a)
        minutes = (a.end - a.start).total_seconds() / 60
        if a.break_start and a.break_end:
            minutes -= (a.break_end - a.break_start).total_seconds() / 60
        row["minutes"] += minutes
    for row in rows.values():
        agent = row["agent"]
        grid.append(
            [agent.external_id, agent.name, agent.team.name if agent.team else ""]
            + [row["days"].get(d, "") for d in days]
            + [round(row["minutes"] / 60, 1)]
        )
    for col in range(1, 12):
        grid.column_dimensions[get_column_letter(col)].width = 24 if 4 <= col <= 10 else 12
    grid.freeze_panes = "D2"
    if with_plan:
        labels = selectors.interval_labels(roster.week_start)
        for channel, data in roster.plan.get("channels", {}).items():
            sheet = book.create_sheet(channel)
            _header(
                sheet,
                [
                    _("Interval"),
                    _("Forecast contacts"),
                    _("Required agents"),
                    _("Scheduled agents"),
                    _("Gap"),
                    _("Predicted service level"),
                    _("Predicted share of first responses over 30 s"),
                    _("Predicted share of first responses over the SLA target"),
                ],
            )
            predicted = data["predicted"]
            over_target = predicted.get("frt_over_target_rate") or [None] * len(labels)
            for i, label in enumerate(labels):
                sheet.append(
                    [
                        label,
                        round(data["forecast"][i], 2),
                        data["requirement"][i],
                        data["scheduled"][i],
                        data["gap"][i],
                        predicted["service_level"][i],
                        predicted["frt_over_30s_rate"][i],
                        over_target[i],
                    ]
                )
                if data["gap"][i] > 0:
                    sheet.cell(sheet.max_row, 5).fill = SHORT_FILL
                for col in (6, 7, 8):
                    sheet.cell(sheet.max_row, col).number_format = "0.0%"
            sheet.freeze_panes = "B2"
            sheet.column_dimensions["A"].width = 14
    book.properties.created = timezone.now().replace(tzinfo=None)
    save_as_text(book, out)


def hours_by_agent(assignments) -> dict[int, float]:
    out: dict[int, float] = defaultdict(float)
    for a in assignments:
        minutes = (a.end - a.start).total_seconds() / 60
        if a.break_start and a.break_end:
            minutes -= (a.break_end - a.break_start).total_seconds() / 60
        out[a.agent_id] += minutes / 60
    return out


def write_adherence(rows, out: BinaryIO) -> None:
    """Schedule adherence per agent and day (selectors.adherence_rows)."""
    book = Workbook()
    sheet = book.active
    sheet.title = _("Schedule adherence")
    _header(
        sheet,
        [_("Agent"), _("Name"), _("Team"), _("Day"), _("Scheduled (h)"),
         _("Available while scheduled (h)"), _("Adherence")],
    )  # fmt: skip
    for row in rows:
        agent = row.agent
        sheet.append(
            [
                agent.external_id,
                agent.name,
                agent.team.name if agent.team else "",
                row.day,
                round(row.figure.scheduled_s / 3600, 2),
                round(row.figure.available_s / 3600, 2),
                row.value,
            ]
        )
        sheet.cell(sheet.max_row, 4).number_format = "yyyy-mm-dd"
        sheet.cell(sheet.max_row, 7).number_format = "0.0%"
    for col, width in zip("ABCDEFG", (12, 14, 14, 12, 14, 22, 12), strict=True):
        sheet.column_dimensions[col].width = width
    sheet.freeze_panes = "A2"
    book.properties.created = timezone.now().replace(tzinfo=None)
    save_as_text(book, out)
