"""`baton sync --full` as a child process: its progress lines (items/s, pages, ETA from Jira's approximate count)
and its summary table, whose counts must be those of the ``sync_run`` rows."""

from __future__ import annotations

import io
import re
from contextlib import ExitStack
from pathlib import Path

from rich.console import Console
from sqlalchemy import select

from cli.sync_progress import RichSyncProgress, status_line
from models.tables import CONNECTIONS, RUNS
from tests.connectors.harness_jira import HARNESS as JIRA
from tests.connectors.harness_trello import HARNESS as TRELLO
from tests.e2e.acceptance import write_three_vendor_policy
from tests.e2e.kill9 import migrated
from tests.e2e.processes import BATON_CLI, baton_env, run_baton

JIRA_ITEMS = 600
TRELLO_ITEMS = 400
NUMBER = r"[\d,]+"


def test_status_line_gives_the_rate_and_an_eta_only_with_a_total() -> None:
    expected = "jira: 1,200 of ~20,000 items, 12 pages, 600 items/s, ETA 0:00:31"
    assert status_line("jira", 1_200, 12, 2.0, 20_000) == expected
    assert status_line("trello", 100, 1, 0.5, None) == "trello: 100 items, 1 page, 200 items/s"
    assert status_line("jira", 0, 0, 0.0, 500) == "jira: 0 of ~500 items, 0 pages, 0 items/s"


def test_off_a_terminal_status_lines_come_on_the_first_page_then_at_most_every_interval() -> None:
    output = io.StringIO()
    console = Console(file=output, force_terminal=False, width=200)
    now = [100.0]
    with RichSyncProgress.build(console) as progress:
        bar = RichSyncProgress(progress, "jira", clock=lambda: now[0], line_every=5.0)
        bar.on_total(1_000)
        for _ in range(10):  # a page a second
            now[0] += 1.0
            bar.on_batch(100, 1)
        bar.finish()
    lines = [line for line in output.getvalue().splitlines() if line.startswith("jira: ")]
    assert lines == [
        "jira: 100 of ~1,000 items, 1 page, 100 items/s, ETA 0:00:09",
        "jira: 600 of ~1,000 items, 6 pages, 100 items/s, ETA 0:00:04",
    ]


def summary_rows(output: str) -> dict[str, list[str]]:
    """The summary table's rows by connection name (Rich draws cells between │ characters)."""
    rows: dict[str, list[str]] = {}
    for line in output.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("│").split("│")]
        if len(cells) == 10 and cells[0] in ("jira", "trello-emulator"):
            rows[cells[0]] = cells
    return rows


def test_sync_full_prints_progress_with_an_eta_and_a_summary_matching_the_runs(
    empty_database_url: str, tmp_path: Path
) -> None:
    database = migrated(empty_database_url)
    try:
        with ExitStack() as stack:
            vendors = {
                "jira": stack.enter_context(JIRA.running(seed=3, items=JIRA_ITEMS)),
                "trello": stack.enter_context(TRELLO.running(seed=3, items=TRELLO_ITEMS)),
            }
            env = baton_env(empty_database_url, write_three_vendor_policy(vendors, tmp_path / "policy.yaml"))
            done = run_baton(["sync", "--full"], env=env, cwd=tmp_path, program=BATON_CLI)
        output = done.stderr
        assert done.returncode == 0, done.stdout + output

        # Off a terminal: a status line per connection from its first page; Jira's has the total and an ETA.
        jira_line = re.search(
            rf"^jira: ({NUMBER}) of ~({NUMBER}) items, ({NUMBER}) pages?, {NUMBER} items/s, ETA \d+:\d\d:\d\d$",
            output,
            re.MULTILINE,
        )
        assert jira_line is not None, output
        assert int(jira_line[2].replace(",", "")) == JIRA_ITEMS  # the approximate count of the emulator's issues
        assert re.search(rf"^trello-emulator: {NUMBER} items, {NUMBER} pages?, {NUMBER} items/s$", output, re.MULTILINE)
        # The bars' final state: every item, pages and a rate.
        assert re.search(rf"jira .*{JIRA_ITEMS}/{JIRA_ITEMS} +{NUMBER} pages +{NUMBER} items/s", output), output

        rows = summary_rows(output)
        assert set(rows) == {"jira", "trello-emulator"}, output
        with database.read_session() as session:
            runs = session.execute(
                select(CONNECTIONS.c.name, RUNS).join(CONNECTIONS, CONNECTIONS.c.id == RUNS.c.connection_id)
            ).mappings()
            by_name = {run["name"]: run for run in runs}
        for name, cells in rows.items():
            run = by_name[name]
            _, kind, status, seen, changed, deleted, pages, requests, seconds, rate = cells
            assert (kind, status) == ("full", "succeeded")
            counts = [int(value.replace(",", "")) for value in (seen, changed, deleted, pages, requests)]
            stored = ("items_seen", "items_changed", "items_deleted", "pages", "requests")
            assert counts == [run[column] for column in stored]
            assert run["items_seen"] == (JIRA_ITEMS if name == "jira" else TRELLO_ITEMS)
            shown = float(seconds)  # rounded to 0.1 s; the rate was computed from the unrounded time
            low, high = run["items_seen"] / (shown + 0.05) - 1, run["items_seen"] / max(shown - 0.05, 1e-3) + 1
            assert low <= int(rate.replace(",", "")) <= high
    finally:
        database.dispose()
