"""`kefu wfm`: workforce planning from the command line.

kefu wfm erlang --calls 100 --interval 1800 --aht 180 --asa 20 --sl 0.8 --shrinkage 0.3
kefu wfm forecast --week 2025-01-06 [--format json|table]
kefu wfm roster --week 2025-01-06 [--time-limit 25]
"""

from __future__ import annotations

from datetime import date

import orjson
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from kefu.workforce.core import erlang

ERLANG_KEYS = erlang.ANSWER_KEYS


def _monday(value: str) -> date:
    try:
        day = date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"not a date (YYYY-MM-DD): {value!r}") from exc
    if day.weekday() != 0:
        raise CommandError(f"{value} is not a Monday")
    return day


class Command(BaseCommand):
    requires_system_checks = []
    help = "Workforce planning: Erlang C staffing, the week's forecast, a roster."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        e = sub.add_parser("erlang", help="agents required for one interval (Erlang C)")
        e.add_argument("--calls", type=float, required=True, help="contacts in the interval")
        e.add_argument("--interval", type=float, default=1800, help="interval length, s")
        e.add_argument("--aht", type=float, required=True, help="average handle time, s")
        e.add_argument(
            "--asa",
            "--target-time",
            dest="target",
            type=float,
            required=True,
            help="answer-time target of the service level, s (the 20 of 80/20)",
        )
        e.add_argument("--sl", type=float, required=True, help="service-level target, 0–1")
        e.add_argument("--shrinkage", type=float, default=0.0)
        e.add_argument("--occupancy", type=float, default=1.0, help="occupancy cap, 0–1")
        e.add_argument("--concurrency", type=int, default=1, help="contacts an agent works at once")
        e.add_argument("--max-asa", type=float, default=None, help="cap on the mean wait, s")
        e.add_argument("--format", choices=("json", "table"), default="table")
        f = sub.add_parser("forecast", help="the week's forecast and requirement per channel")
        f.add_argument("--week", type=_monday, default=None, help="a Monday (default: next)")
        f.add_argument("--format", choices=("json", "table"), default="table")
        r = sub.add_parser("roster", help="build and save a roster for the week")
        r.add_argument("--week", type=_monday, default=None)
        r.add_argument(
            "--time-limit",
            type=float,
            default=None,
            help="solver time limit, s (default: setting KEFU_WFM_ROSTER_TIME_LIMIT_S, 25)",
        )
        r.add_argument(
            "--if-missing",
            action="store_true",
            help="the scheduler's weekly run: build only if the week has no roster yet "
            "(queued, running or done) and the staffing inputs are set up",
        )

    def handle(self, *args, **options) -> None:
        getattr(self, f"_{options['action']}")(options)

    def _erlang(self, o: dict) -> None:
        try:
            result = erlang.required(
                o["calls"],
                interval_s=o["interval"],
                aht_s=o["aht"],
                target_s=o["target"],
                sl_target=o["sl"],
                shrinkage=o["shrinkage"],
                max_occupancy=o["occupancy"],
                concurrency=o["concurrency"],
                max_asa_s=o["max_asa"],
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        data = {k: getattr(result, k) for k in ERLANG_KEYS}
        if o["format"] == "json":
            self.stdout.write(orjson.dumps(data).decode())
            return
        width = max(map(len, ERLANG_KEYS))
        for key, value in data.items():
            shown = value if isinstance(value, int) else f"{value:.4f}"
            self.stdout.write(f"{key:<{width}}  {shown}")

    def _week(self, o: dict) -> date:
        from kefu.workforce.selectors import default_week

        return o["week"] or default_week()

    def _forecast(self, o: dict) -> None:
        from kefu.workforce.selectors import missing_parameters, week_plan

        week = self._week(o)
        plans = week_plan(week)
        if not plans:
            raise CommandError(
                "no channel has staffing parameters (AHT, answer-time target, service-level "
                "target, shrinkage, occupancy cap, concurrency): `kefu migrate` creates the "
                "defaults; add a channel's in the admin at /admin/workforce/staffingparameters/"
            )
        rows = {
            channel: {
                "contacts": round(sum(p.forecast), 1),
                "peak_positions": max(p.requirement["positions"], default=0),
                "agent_hours": sum(p.requirement["positions"]) / 2,
                "data_end": p.data_end.isoformat(timespec="minutes") if p.data_end else None,
                "horizon_days": round(p.horizon_days, 2),
                "mape_daily": p.mape_daily,
                "mape_interval": p.mape_interval,
                "wape": p.wape,
                "wape_daily": p.wape_daily,
                "naive_wape": p.naive_wape,
                "mase": p.mase,
                "noise_wape": p.noise_wape,
                "beats_naive": p.beats_naive,
                "warnings": p.warnings,
                "uplifts": p.uplifts,
            }
            for channel, p in plans.items()
        }
        missing = missing_parameters()
        if o["format"] == "json":
            data = {"week": str(week), "channels": rows, "channels_without_parameters": missing}
            self.stdout.write(orjson.dumps(data).decode())
            return
        self.stdout.write(f"week of {week}")

        def pct(value: float | None) -> str:
            return "—" if value is None else f"{value * 100:.1f} %"

        for channel, r in rows.items():
            mase = "—" if r["mase"] is None else f"{r['mase']:.2f}"
            verdict = {True: "beats naive", False: "DOES NOT BEAT NAIVE", None: ""}
            self.stdout.write(
                f"{channel:<6} contacts {r['contacts']:>8.1f}  peak {r['peak_positions']:>3}  "
                f"agent-hours {r['agent_hours']:>7.1f}  MAPE(days) {pct(r['mape_daily'])}  "
                f"WAPE {pct(r['wape'])} (naive {pct(r['naive_wape'])})  MASE {mase}  "
                f"{verdict[r['beats_naive']]}"
            )
        if missing:
            self.stdout.write(
                f"channels with conversations but no staffing parameters: {', '.join(missing)} "
                "(add them in the admin at /admin/workforce/staffingparameters/)"
            )

    def _not_needed(self, week: date) -> str:
        """Why the scheduled build leaves this week alone ("" to build it): planners
        already have a roster, or the department does not plan its staff here."""
        from kefu.workforce import building
        from kefu.workforce.choices import BuildStatus
        from kefu.workforce.models import Roster

        if Roster.objects.filter(week_start=week).exclude(status=BuildStatus.FAILED).exists():
            return "the week has a roster"
        try:
            building.check_inputs()
        except ValidationError as exc:
            return " ".join(exc.messages)
        return ""

    def _roster(self, o: dict) -> None:
        from kefu.lib.progress import Progress
        from kefu.workforce import building
        from kefu.workforce.actions import build_roster

        week = self._week(o)
        if o["if_missing"] and (reason := self._not_needed(week)):
            self.stdout.write(f"week of {week}: not built: {reason}")
            return
        # The solver's only measure is time: on a terminal the bar follows the seconds
        # against its time limit (it may finish earlier).
        limit = o["time_limit"] or building.time_limit_s()
        bar = Progress("排班 building the roster", total=limit, unit="s", stream=self.stderr)
        try:
            with bar:
                bar.follow_clock()
                roster = build_roster(week, time_limit_s=o["time_limit"])
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        if roster.status == "failed":
            raise CommandError(f"roster #{roster.pk}: {roster.error}")
        short = roster.plan.get("short_intervals", 0)
        self.stdout.write(
            f"roster #{roster.pk} week of {roster.week_start}: {roster.solver_status}, "
            f"{roster.agents_used} agents, {short} short channel-intervals, "
            f"{roster.wall_s:.1f} s"
        )
        if not roster.has_result:
            raise CommandError("no roster found")
