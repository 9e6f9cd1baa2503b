"""Rich progress for `baton sync`: items/s, pages, and an ETA when the vendor gives a total."""

from __future__ import annotations

import time

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

from sync.engine import SyncReport

__all__ = ["RichSyncProgress", "summary_table"]


class RichSyncProgress:
    """One progress bar per connection; implements ``sync.engine.SyncProgress``."""

    def __init__(self, progress: Progress, name: str) -> None:
        self._progress = progress
        self._task: TaskID = progress.add_task(name, total=None, pages=0, rate="")
        self._started = time.perf_counter()
        self._items = 0

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
        self._progress.update(self._task, total=estimate)

    def on_batch(self, items: int, pages: int) -> None:
        self._items += items
        elapsed = max(time.perf_counter() - self._started, 1e-6)
        task = self._progress.tasks[self._task]
        self._progress.update(
            self._task,
            advance=items,
            pages=int(task.fields.get("pages", 0)) + pages,
            rate=f"{self._items / elapsed:,.0f} items/s",
        )

    def finish(self) -> None:
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
