"""`kefu metrics`: the contract's figures for a period, whole or grouped (spec metrics.md)."""

from __future__ import annotations

import unicodedata
from datetime import date
from pathlib import Path

import orjson
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone, translation
from pydantic import ValidationError

from kefu.accounts.access import ALL
from kefu.interactions.schemas import PeriodQuery
from kefu.lib.schemas import reason
from kefu.metrics.core.formatting import format_value
from kefu.metrics.core.kpis import CALENDAR_TIME, KEYS, TIMES
from kefu.metrics.selectors import GROUPINGS, Scope, contract_json, data_range, figures, scope_for


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"not a date (YYYY-MM-DD): {value!r}") from exc


OPTIONS = {"date_from": "from", "date_to": "to"}


def _period(date_from: date | None, date_to: date | None) -> tuple[date, date]:
    """The period asked for, with the API's bounds (KEFU_MAX_PERIOD_DAYS, the days a
    request may name; kefu.interactions.schemas.PeriodQuery); missing ends default to
    the data's range, bounded the same way."""
    try:
        with translation.override("en"):  # like the command's other messages
            query = PeriodQuery(date_from=date_from, date_to=date_to)
    except ValidationError as exc:
        with translation.override("en"):
            problems = [f"--{OPTIONS[e['loc'][-1]]}: {reason(e)}" for e in exc.errors()]
        raise CommandError("; ".join(problems)) from None
    first = last = None
    if date_from is None or date_to is None:
        first, last = data_range()
    today = timezone.localdate()
    return query.period(first or today, last or today)


def _width(text: str) -> int:
    """Terminal columns: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


TIME_NOTES = {"calendar": "time: calendar (日历时间)", "business": "time: business (工作时间)"}


def render_table(rows: list[dict], grouped: bool, time: str = CALENDAR_TIME) -> str:
    """A plain-text table: one line per group (or per key when not grouped), then a line
    saying which time the time figures are in."""
    return _table(rows, grouped) + "\n\n" + TIME_NOTES[time]


def _table(rows: list[dict], grouped: bool) -> str:
    if not grouped:
        width = max(len(k) for k in KEYS)
        return "\n".join(f"{k:<{width}}  {format_value(k, rows[0][k], 'en')}" for k in KEYS)
    columns = ["group", *KEYS]
    cells = [
        [str(r["group"]) if r["group"] is not None else "—"]
        + [format_value(k, r[k], "en") for k in KEYS]
        for r in rows
    ]
    widths = [max([_width(c)] + [_width(line[i]) for line in cells]) for i, c in enumerate(columns)]
    lines = ["  ".join(_pad(c, w) for c, w in zip(columns, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(_pad(c, w) for c, w in zip(line, widths, strict=True)) for line in cells]
    return "\n".join(lines)


class Command(BaseCommand):
    requires_system_checks = []  # a read-only report: skip loading every URL and view
    help = (
        "Print the service KPIs of a period (dates inclusive, in KEFU_TIME_ZONE) as JSON, a "
        "table or an Excel workbook, optionally grouped by agent, team, channel, month or "
        "customer segment. A period spans at most KEFU_MAX_PERIOD_DAYS days."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--from",
            dest="date_from",
            type=_date,
            default=None,
            help="first day (default: the first day with data)",
        )
        parser.add_argument(
            "--to",
            dest="date_to",
            type=_date,
            default=None,
            help="last day, inclusive (default: the last day with data)",
        )
        parser.add_argument("--by", choices=GROUPINGS, default=None)
        parser.add_argument(
            "--time",
            choices=TIMES,
            default=CALENDAR_TIME,
            help="time figures in calendar time (default) or in the business time of each "
            "conversation's service-level calendar",
        )
        parser.add_argument("--format", choices=("json", "table", "xlsx"), default="json")
        parser.add_argument(
            "--output", "-o", type=Path, default=None, help="file to write (required for xlsx)"
        )
        parser.add_argument(
            "--review",
            metavar="YYYY-MM",
            nargs="?",
            const="",
            default=None,
            help="write the monthly review workbook (by team and by agent, against targets) "
            "of this month (default: the last month with data) to --output",
        )
        parser.add_argument("--language", choices=("zh", "en"), default="zh")
        parser.add_argument(
            "--user", default=None, help="answer within this user's scope (default: everything)"
        )

    def handle(self, *args, **options):
        user = None
        if options["user"]:
            user = get_user_model().objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"no user {options['user']!r}")
        if options["review"] is not None:
            from kefu.metrics.exports import write_review_file

            try:
                path = write_review_file(
                    options["output"],
                    month=options["review"] or None,
                    user=user,
                    language=options["language"],
                )
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
            self.stderr.write(f"wrote {path}")
            return
        date_from, date_to = _period(options["date_from"], options["date_to"])
        time = options["time"]
        if user is not None:
            scope = scope_for(user, date_from, date_to, time=time)
        else:  # the command sees everything
            scope = Scope(date_from, date_to, visible=ALL, time=time)
        by = options["by"]
        result = figures(scope, by)
        fmt = options["format"]
        if fmt == "xlsx":
            if options["output"] is None:
                raise CommandError("--format xlsx needs --output FILE")
            from kefu.metrics.exports import write_figures_workbook

            with options["output"].open("wb") as stream:
                write_figures_workbook(result, by, stream, scope=scope, user=user, time=time)
            self.stderr.write(f"wrote {options['output']}")
            return
        data = contract_json(result)
        if fmt == "json":
            text = orjson.dumps(data, option=orjson.OPT_INDENT_2).decode()
        else:
            text = render_table(data if by else [data], grouped=by is not None, time=time)
        if options["output"]:
            options["output"].write_text(text + "\n", encoding="utf-8")
        else:
            self.stdout.write(text)
