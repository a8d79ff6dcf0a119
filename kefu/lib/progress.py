"""Progress of the long commands (`kefu import`, `export`, `demo`, `metrics_rebuild`,
`qa rescore`, `wfm roster`): one helper, one look.

On a terminal a bar is drawn on stderr with the count, the rate and the time left (rich);
when stderr is not a terminal (piped, redirected, a test, cron) nothing is drawn, so what
scripts read is unchanged; the commands keep their plain lines for that case
(`Progress.live` tells them which). `KEFU_PROGRESS=0` turns the bar off, `=1` forces it.

    with Progress("导入 importing", total=size, unit="bytes", stream=self.stderr) as bar:
        bar.update(done)            # or bar.advance(n)
        if not bar.live: ...        # the plain line, as before
"""

from __future__ import annotations

import os
import sys
import threading
import time
from typing import IO, Any

from rich.console import Console
from rich.filesize import decimal
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    ProgressColumn,
    SpinnerColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.progress import Progress as RichProgress
from rich.text import Text

BYTES = "bytes"


def _stream(stream: Any) -> IO[str]:
    """The file under Django's OutputWrapper (which would append newlines to the bar)."""
    return getattr(stream, "_out", stream) if stream is not None else sys.stderr


def is_terminal(stream: Any) -> bool:
    """Whether a bar goes on `stream`: KEFU_PROGRESS=0/1 decides, else whether it is a TTY."""
    forced = os.environ.get("KEFU_PROGRESS", "").strip()
    if forced in ("0", "1"):
        return forced == "1"
    isatty = getattr(_stream(stream), "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # a closed file
        return False


class _Rate(ProgressColumn):
    """Items (or bytes) per second."""

    def __init__(self, unit: str) -> None:
        super().__init__()
        self.unit = unit

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        if self.unit == "s":  # time against a limit: no rate
            return Text("")
        if speed is None:
            return Text("–", style="progress.data.speed")
        if self.unit == BYTES:
            return Text(f"{decimal(int(speed))}/s", style="progress.data.speed")
        return Text(f"{speed:,.0f} {self.unit}/s".replace(" /s", "/s"), style="progress.data.speed")


class _Amount(ProgressColumn):
    def render(self, task: Task) -> Text:
        done, total = int(task.completed), task.total
        if total is None:
            return Text(decimal(done), style="progress.download")
        return Text(f"{decimal(done)}/{decimal(int(total))}", style="progress.download")


class Progress:
    """Counts work done; on a terminal draws a bar with the rate and the time left."""

    def __init__(
        self,
        description: str,
        total: float | None = None,
        *,
        unit: str = "",
        stream: Any = None,
        live: bool | None = None,
    ) -> None:
        self.description = description
        self.total = total
        self.unit = unit
        self.done: float = 0
        self.stream = _stream(stream)
        self.live = is_terminal(self.stream) if live is None else live
        self.started = time.monotonic()
        self._bar: RichProgress | None = None
        self._task: Any = None
        self._clock: threading.Event | None = None

    # --- counting ---------------------------------------------------------------------
    def update(self, done: float, total: float | None = None) -> None:
        """Set the amount done (and the total when it becomes known or changes)."""
        self.done = done
        if total is not None:
            self.total = total
        if self._bar is not None:
            self._bar.update(self._task, completed=done, total=self.total)

    def advance(self, amount: float = 1) -> None:
        self.update(self.done + amount)

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    @property
    def rate(self) -> float:
        """Work per second since the start."""
        return self.done / max(self.elapsed, 1e-9)

    @property
    def remaining(self) -> float | None:
        """Seconds left at the rate so far; None without a total or any work done."""
        if not self.total or not self.done:
            return None
        return max(self.total - self.done, 0) / self.rate

    def follow_clock(self) -> None:
        """For work whose only measure is time against a limit (a solver's time limit in
        seconds as `total`): the amount done follows the seconds elapsed, up to the total."""
        if self._bar is None or self._clock is not None:
            return
        stop = self._clock = threading.Event()

        def tick() -> None:
            while not stop.wait(0.25):
                elapsed = self.elapsed
                self.update(min(elapsed, self.total) if self.total else elapsed)

        threading.Thread(target=tick, name="kefu-progress-clock", daemon=True).start()

    # --- drawing ----------------------------------------------------------------------
    def __enter__(self) -> Progress:
        self.started = time.monotonic()
        if self.live:
            console = Console(file=self.stream, force_terminal=True, highlight=False)
            amount = _Amount() if self.unit == BYTES else MofNCompleteColumn()
            self._bar = RichProgress(
                SpinnerColumn(),
                TextColumn("[progress.description]{task.description}"),
                BarColumn(),
                amount,
                _Rate(self.unit),
                TimeElapsedColumn(),
                TextColumn("·"),
                TimeRemainingColumn(),
                console=console,
                refresh_per_second=4,
            )
            self._bar.start()
            self._task = self._bar.add_task(self.description, total=self.total)
            if self.done:
                self._bar.update(self._task, completed=self.done)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._clock is not None:
            self._clock.set()
            self._clock = None
        if self._bar is not None:
            self._bar.refresh()
            self._bar.stop()
            self._bar = None
