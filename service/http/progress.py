"""A progress bar for the long commands (import, forms, notices, report, sync) that stays out
of the way: drawn by rich on stderr, only when stderr is a terminal, and only once the work has
taken longer than a second. A command that writes data to stdout (``huifang report --format
csv > report.csv``) or runs in a pipe, a test or a cron job prints exactly what it printed
without one.
"""

from __future__ import annotations

import threading
from types import TracebackType
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

#: Work shorter than this shows no bar at all.
DELAY_SECONDS = 1.0


def counted_columns() -> tuple[ProgressColumn | str, ...]:
    """Columns for work whose size is known: rows, requests."""
    return (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
    )


def waiting_columns() -> tuple[ProgressColumn | str, ...]:
    """Columns for one long step whose size is unknown (a PDF of the day's forms, a report)."""
    return (SpinnerColumn(), TextColumn("[bold]{task.description}"), TimeElapsedColumn())


class LateProgress:
    """``with LateProgress("Importing", total=n) as bar: ... bar.update(completed=i)``.

    The bar starts on a timer thread after ``delay`` seconds and is transient: it disappears
    when the work ends, leaving the terminal as it would be without it. Without a terminal (or
    with ``disable``) no thread starts and ``update`` only records the numbers.
    """

    def __init__(
        self,
        description: str,
        *,
        total: float | None = None,
        console: Console | None = None,
        delay: float | None = None,
        disable: bool = False,
        columns: tuple[ProgressColumn | str, ...] | None = None,
    ) -> None:
        self.console = console or Console(stderr=True)
        self.description = description
        self.total = total
        self.completed = 0
        self.delay = DELAY_SECONDS if delay is None else delay
        self.enabled = not disable and self.console.is_terminal
        self._columns = columns or (counted_columns() if total else waiting_columns())
        self._lock = threading.Lock()
        self._progress: Progress | None = None
        self._task: Any = None
        self._timer: threading.Timer | None = None
        self._closed = False

    @property
    def shown(self) -> bool:
        """Whether the bar is on the screen now."""
        return self._progress is not None

    def __enter__(self) -> LateProgress:
        if self.enabled:
            self._timer = threading.Timer(self.delay, self._show)
            self._timer.daemon = True
            self._timer.start()
        return self

    def _show(self) -> None:
        with self._lock:
            if self._closed:
                return
            progress = Progress(
                *self._columns,
                console=self.console,
                transient=True,
                # stdout may carry the command's data: never through this console
                redirect_stdout=False,
                # messages printed to stderr meanwhile go above the bar
                redirect_stderr=True,
            )
            self._task = progress.add_task(
                self.description, total=self.total, completed=self.completed
            )
            progress.start()
            self._progress = progress

    def update(self, *, completed: int | None = None, total: float | None = None) -> None:
        with self._lock:
            if completed is not None:
                self.completed = completed
            if total is not None:
                self.total = total
            if self._progress is not None:
                self._progress.update(self._task, completed=self.completed, total=self.total)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._timer is not None:
            self._timer.cancel()
        with self._lock:
            self._closed = True
            if self._progress is not None:
                self._progress.stop()
                self._progress = None


__all__ = ["DELAY_SECONDS", "LateProgress", "counted_columns", "waiting_columns"]
