"""Rich progress for `baton sync`: items/s, pages, and an ETA when the vendor gives a total.

On a terminal the bars redraw live. Elsewhere (cron, CI, a pipe) Rich cannot redraw, so each connection also
prints a plain status line on its first page and then at most every ``LINE_EVERY_SECONDS``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
)
from rich.table import Table

if TYPE_CHECKING:
    from sync.engine import SyncReport

__all__ = ["LINE_EVERY_SECONDS", "RichSyncProgress", "status_line", "summary_table"]

LINE_EVERY_SECONDS = 5.0


def status_line(name: str, items: int, pages: int, seconds: float, total: int | None) -> str:
    """``jira: 1,200 of ~20,000 items, 12 pages, 640 items/s, ETA 0:00:29`` (no ETA without a total)."""
    rate = items / seconds if seconds > 0 else 0.0
    line = f"{name}: {items:,}" + (f" of ~{total:,}" if total is not None else "") + " items, "
    line += f"{pages:,} page{'s' if pages != 1 else ''}, {rate:,.0f} items/s"
    if total is not None and rate > 0:
        line += f", ETA {timedelta(seconds=round(max(total - items, 0) / rate))}"
    return line


class RichSyncProgress:
    """One progress bar per connection; implements ``sync.engine.SyncProgress``."""

    def __init__(
        self,
        progress: Progress,
        name: str,
        *,
        clock: Callable[[], float] = time.perf_counter,
        line_every: float = LINE_EVERY_SECONDS,
    ) -> None:
        self._progress = progress
        self._name = name
        self._task: TaskID = progress.add_task(name, total=None, pages=0, rate="")
        self._clock = clock
        self._started = clock()
        self._items = 0
        self._pages = 0
        self._total: int | None = None
        self._line_every = line_every
        self._last_line: float | None = None
        self._plain = not progress.console.is_terminal

    @staticmethod
    def build(console: Console) -> Progress:
        """The shared Rich progress display."""
        return Progress(
            SpinnerColumn(),
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[pages]} pages"),
            TextColumn("{task.fields[rate]}"),
            TimeRemainingColumn(),
            console=console,
            transient=False,
        )

    def on_total(self, estimate: int | None) -> None:
        """The vendor's estimate of the items a full pull reads (Jira's approximate count), or None."""
        self._total = estimate
        self._progress.update(self._task, total=estimate)

    def on_batch(self, items: int, pages: int) -> None:
        """A stored batch: advance the bar; off a terminal, print a status line now and then."""
        self._items += items
        self._pages += pages
        now = self._clock()
        elapsed = max(now - self._started, 1e-6)
        self._progress.update(
            self._task,
            advance=items,
            pages=self._pages,
            rate=f"{self._items / elapsed:,.0f} items/s",
        )
        if self._plain and (self._last_line is None or now - self._last_line >= self._line_every):
            self._last_line = now
            self._progress.console.print(status_line(self._name, self._items, self._pages, elapsed, self._total))

    def finish(self) -> None:
        """The pull ended: the bar's total becomes what was read."""
        task = self._progress.tasks[self._task]
        self._progress.update(self._task, total=task.completed)


def summary_table(rows: list[tuple[str, SyncReport, int]]) -> Table:
    """The table printed after a sync: one row per connection."""
    table = Table(title="baton sync")
    for column in (
        "connection",
        "kind",
        "status",
        "seen",
        "changed",
        "deleted",
        "pages",
        "requests",
        "seconds",
        "items/s",
    ):
        table.add_column(column, justify="left" if column in ("connection", "kind", "status") else "right")
    for name, report, requests in rows:
        style = {"succeeded": "green", "partial": "yellow", "failed": "red"}.get(str(report.status), "")
        rate = report.items_seen / report.seconds if report.seconds else 0.0
        table.add_row(
            name,
            str(report.kind),
            f"[{style}]{report.status}[/]",
            f"{report.items_seen:,}",
            f"{report.items_changed:,}",
            f"{report.items_deleted:,}",
            f"{report.pages:,}",
            f"{requests:,}",
            f"{report.seconds:.1f}",
            f"{rate:,.0f}",
        )
    return table
