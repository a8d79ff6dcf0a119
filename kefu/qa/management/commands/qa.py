"""`kefu qa score FILE`: score a native JSONL file with a scorecard, without the database
(contract shared/spec/qa-indicators.md).

`kefu qa rescore [--scorecard SLUG] [--version N]`: score every stored conversation again
(synchronously, with progress); `kefu qa pending`: score the conversations queued by
imports (what the background task does)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import orjson
from django.core.management.base import BaseCommand, CommandError

from kefu.interactions.core.native import ConversationRecord, RecordError, iter_jsonl
from kefu.interactions.importer import import_limits
from kefu.qa.core.errors import DefinitionError


def read_definition(path: Path) -> Any:
    from kefu.qa.core.defaults import load_yaml

    try:
        return load_yaml(path)  # YAML is a superset of JSON: either works
    except OSError as exc:
        raise CommandError(f"cannot read {path}: {exc.strerror}") from exc
    except Exception as exc:  # a YAML syntax error names the line
        raise CommandError(f"{path}: not valid YAML/JSON: {exc}") from exc


class Command(BaseCommand):
    help = "Automatic quality inspection. `kefu qa score FILE.jsonl` scores a native file."
    requires_system_checks = []  # pure scoring: no database, no URL loading

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        score = sub.add_parser(
            "score",
            help="score every conversation of a native JSONL file (- for stdin) "
            "with the default or a given scorecard; prints one JSON object per line",
        )
        score.add_argument("file", help="native JSONL file, or - for standard input")
        score.add_argument("--format", choices=("json",), default="json")
        score.add_argument("--scorecard", type=Path, default=None, help="scorecard YAML/JSON")
        score.add_argument("--lexicons", type=Path, default=None, help="lexicons YAML/JSON")
        score.add_argument("--time-zone", default=None, help="for timestamps without offset")
        rescore = sub.add_parser(
            "rescore",
            help="score every stored conversation again with a scorecard version "
            "(default: the default scorecard's latest); earlier versions' results stay "
            "as history",
        )
        rescore.add_argument("--scorecard", default=None, help="scorecard id (slug)")
        rescore.add_argument("--version", type=int, default=None, help="version number")
        rescore.add_argument(
            "--resume",
            type=int,
            default=None,
            metavar="RUN_ID",
            help="go on with a failed or stalled run where it stopped",
        )
        sub.add_parser("pending", help="score the conversations queued by imports")
        sub.add_parser(
            "rollup",
            help="recompute the dashboard roll-ups from the stored results (they are kept "
            "current at every write; use after restoring or editing result rows by hand)",
        )

    def handle(self, *args, **options):
        if options["action"] == "rescore":
            return self._rescore(options["scorecard"], options["version"], options["resume"])
        if options["action"] == "pending":
            return self._pending()
        if options["action"] == "rollup":
            return self._rollup()
        from kefu.qa.core.defaults import engine_with

        try:
            engine = engine_with(
                scorecard=read_definition(options["scorecard"]) if options["scorecard"] else None,
                lexicons=read_definition(options["lexicons"]) if options["lexicons"] else None,
            )
        except DefinitionError as exc:
            raise CommandError(str(exc)) from exc
        tz = _time_zone(options["time_zone"])
        path = options["file"]
        stream = sys.stdin.buffer if path == "-" else _open(Path(path))
        rejected = 0
        try:
            # The importer's limits (settings "Import limits"): what import rejects, this does.
            for item in iter_jsonl(stream, tz, import_limits()):
                if isinstance(item, RecordError):
                    rejected += 1
                    self.stderr.write(str(item))
                    continue
                if not isinstance(item, ConversationRecord):
                    continue  # agents: nothing to score
                self.stdout.write(orjson.dumps(engine.score(item).as_contract()).decode())
        finally:
            if stream is not sys.stdin.buffer:
                stream.close()
        if rejected:
            raise CommandError(f"{rejected} record(s) rejected (see above)", returncode=1)

    # --- database subcommands ------------------------------------------------------------
    def _rescore(self, slug: str | None, number: int | None, resume: int | None) -> None:
        import resource
        import time

        from kefu.lib.progress import Progress
        from kefu.qa import scoring
        from kefu.qa import tasks as qa_tasks
        from kefu.qa.models import QaRun, RunStatus

        if resume is not None:
            previous = QaRun.objects.select_related("scorecard_version__scorecard")
            stopped = previous.filter(pk=resume).first()
            if stopped is None:
                raise CommandError(f"no QA run {resume}")
            if not stopped.can_restart:
                raise CommandError(
                    f"run {resume} is {stopped.status} and not stalled: nothing to resume"
                )
            version = stopped.scorecard_version
        else:
            version = _version(slug, number)
        self.stdout.write(f"re-scoring with {version.scorecard.slug} v{version.number} …")
        started = time.perf_counter()
        last = [0.0]

        bar = Progress("质检重评 re-scoring", unit="conversations", stream=self.stderr)

        def progress(done: int, total: int) -> None:
            bar.update(done, total)
            now = time.perf_counter()
            if not bar.live and (now - last[0] >= 5 or done == total):
                last[0] = now
                rate = done / max(now - started, 1e-9)
                self.stdout.write(f"  {done:,}/{total:,} ({rate:,.0f} conversations/s)")

        try:
            with bar:
                if resume is not None:
                    run = qa_tasks.restart_run(stopped, on_progress=progress)
                else:
                    run = scoring.rescore(version, on_progress=progress)
        except Exception as exc:
            raise CommandError(f"re-score failed: {type(exc).__name__}: {exc}") from exc
        elapsed = time.perf_counter() - started
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        if run.status != RunStatus.DONE:
            raise CommandError(f"re-score run {run.pk} {run.status}: {run.error}")
        self.stdout.write(
            f"run {run.pk}: {run.done:,} conversations in {elapsed:.1f} s "
            f"({run.done / max(elapsed, 1e-9):,.0f} conversations/s), peak RSS {peak_mb:.0f} MB"
        )

    def _pending(self) -> None:
        import time

        from kefu.qa import scoring

        started = time.perf_counter()
        done = scoring.score_pending()
        elapsed = time.perf_counter() - started
        self.stdout.write(f"scored {done:,} queued conversation(s) in {elapsed:.1f} s")

    def _rollup(self) -> None:
        import time

        from django.db import transaction

        from kefu.qa import rollups

        started = time.perf_counter()
        with transaction.atomic():
            results, hits = rollups.rebuild()
        self.stdout.write(
            f"roll-ups rebuilt: {results:,} result rows, {hits:,} hit rows "
            f"in {time.perf_counter() - started:.1f} s"
        )


def _version(slug: str | None, number: int | None):
    from kefu.qa import store
    from kefu.qa.models import Scorecard, ScorecardVersion

    if slug is None:
        scorecard = store.default_version().scorecard
    else:
        scorecard = Scorecard.objects.filter(slug=slug).first()
        if scorecard is None:
            raise CommandError(f"no scorecard {slug!r}")
    if number is None:
        version = scorecard.current_version()
    else:
        version = ScorecardVersion.objects.filter(scorecard=scorecard, number=number).first()
    if version is None:
        raise CommandError(f"scorecard {scorecard.slug} has no version {number}")
    return version


def _open(path: Path):
    try:
        return path.open("rb")
    except OSError as exc:
        raise CommandError(f"cannot read {path}: {exc.strerror}") from exc


def _time_zone(name: str | None):
    import zoneinfo

    from django.conf import settings

    try:
        return zoneinfo.ZoneInfo(name or settings.TIME_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise CommandError(f"unknown time zone {name!r}") from exc
