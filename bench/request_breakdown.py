"""Where a sync's requests go: a full sync, ``--changes`` random changes, then an incremental sync, per vendor,
counted by the emulator per route (``/_emulator/stats`` → ``requests_by_route``).

    .venv/bin/python -m bench.request_breakdown [--items 5000] [--changes 500] [--vendors jira,trello,asana] [--record]

Each sync is ``bench.baton_worker`` in its own process against one emulator process, into one SQLite store. The
routes are grouped into what issue #5's formula counts (pages of changes, one census per container) and what it
does not (discovery, which every run repeats, and the history reads the issue asks for: Trello's touched cards,
Asana's stories).
"""

from __future__ import annotations

import argparse
import os
from collections import Counter
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

import httpx

from bench.baton_worker import sync_in_child
from bench.emulated import running_emulator

__all__ = ["GROUPS", "group_of", "main"]

# Route shapes (as the emulator folds them) by the part of a sync they serve.
GROUPS: dict[str, dict[str, str]] = {
    "jira": {
        "POST /rest/api/3/search/jql": "changes and census pages",
        "POST /rest/api/3/search/approximate-count": "census counts",
    },
    "trello": {
        "GET /1/boards/{id}/actions": "changes (board actions)",
        "GET /1/boards/{id}/cards/all": "census and card pages",
        "GET /1/batch": "touched cards re-read (10 per batch)",
    },
    "asana": {
        "GET /api/1.0/events": "changes (events)",
        "GET /api/1.0/tasks": "changes (modified_since pages)",
        "GET /api/1.0/projects/{id}/task_counts": "census counts",
        "POST /api/1.0/batch": "stories of changed tasks (10 per batch)",
        "GET /api/1.0/tasks/{id}/stories": "stories of changed tasks",
    },
}
DISCOVERY = "discovery (every run)"


def group_of(vendor: str, route: str) -> str:
    """The part of a sync a route serves; anything not named is discovery."""
    return GROUPS[vendor].get(route, DISCOVERY)


def measure(vendor: str, items: int, changes: int) -> dict[str, Any]:
    """Requests by route of a full sync and of the incremental sync after ``changes`` changes."""
    with running_emulator(vendor, items=items) as url, TemporaryDirectory() as tmp:
        store = Path(tmp) / "store.db"

        def tally() -> Counter[str]:
            return Counter(httpx.get(f"{url}/_emulator/stats", timeout=60).json()["requests_by_route"])

        before = tally()
        full = sync_in_child(vendor, url, Path(tmp), store)
        after_full = tally()
        httpx.post(f"{url}/_emulator/mutations", json={"count": changes}, timeout=300).raise_for_status()
        containers = len(httpx.get(f"{url}/_emulator/stats", timeout=60).json()["containers"])
        incremental = sync_in_child(vendor, url, Path(tmp), store, incremental=True)
        after = tally()
    return {
        "vendor": vendor,
        "items": items,
        "changes": changes,
        "containers": containers,
        "full": dict((after_full - before).most_common()),
        "full_requests": full["requests"],
        "incremental": dict((after - after_full).most_common()),
        "incremental_requests": incremental["requests"],
    }


def render(rows: list[dict[str, Any]], command: str) -> str:
    """The section: per vendor, the incremental sync's requests by part, then every route of both syncs."""
    from bench.results import machine_summary

    lines = [
        "## Where a sync's requests go (issue #5 request efficiency)\n",
        "Requests counted by the emulator per route: a full sync, then random changes through the emulator, then "
        "one incremental sync (each sync a fresh `bench.baton_worker` process). The formula of issue #5 counts the "
        "pages of changes and one census per container; discovery (projects, boards, sprints, fields, people) runs "
        "on every sync whatever changed, and the history reads are what the issue asks an incremental sync to do "
        "(Trello: re-read the cards the actions touched; Asana: each changed task's stories, 10 per `/batch`, "
        "Asana's limit).\n",
        f"Command: `{command}`  \nMachine: {machine_summary()}\n",
        "| vendor | items | containers | changes | incremental requests | by part |",
        "|---|---|---|---|---|---|",
    ]
    for row in rows:
        parts: Counter[str] = Counter()
        for route, count in row["incremental"].items():
            parts[group_of(row["vendor"], route)] += count
        by_part = "; ".join(f"{part}: {count}" for part, count in parts.most_common())
        lines.append(
            f"| {row['vendor']} | {row['items']:,} | {row['containers']} | {row['changes']} "
            f"| {sum(row['incremental'].values())} | {by_part} |"
        )
    lines.append("")
    for row in rows:
        for kind in ("full", "incremental"):
            routes = ", ".join(f"`{route}` {count}" for route, count in row[kind].items())
            lines.append(f"- {row['vendor']} {kind}: {routes}")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=5_000)
    parser.add_argument("--changes", type=int, default=500)
    parser.add_argument("--vendors", default="jira,trello,asana")
    parser.add_argument("--record", action="store_true", help="write the section of docs/benchmarks.md")
    args = parser.parse_args()
    items = max(300, int(args.items * float(os.environ.get("BENCH_SCALE", "1"))))
    command = (
        f".venv/bin/python -m bench.request_breakdown --items {args.items} --changes {args.changes}"
        f" --vendors {args.vendors}"
    )
    rows = [measure(vendor, items, args.changes) for vendor in args.vendors.split(",")]
    table = render(rows, command)
    print(table)
    if args.record:
        from bench.results import Figure, record

        figures = [
            Figure(
                f"{row['vendor']}_incremental_requests_{args.changes}_changes",
                sum(row["incremental"].values()),
                "requests",
                "",
                command,
            )
            for row in rows
        ]
        record("36-request-breakdown", table, figures)


if __name__ == "__main__":
    main()
