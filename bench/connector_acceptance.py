"""Issue #5 acceptance at scale, with the connector figures: per vendor, full-sync rate, peak RSS and requests
against the minimum; then 500 changes through each vendor's write API and one incremental sync, with its
requests against ceil(k / page) + one census per container; the store equals each emulator both times.

    nice -n 10 .venv/bin/python -m bench.connector_acceptance --items 20000 [--changes 500] [--record]

The emulators are served in this process over HTTP on 127.0.0.1 (tests/e2e/acceptance.py, the conformance
harnesses: their state is the oracle); every sync is `baton sync --connection NAME` (as `python -m cli`) in
a child process, whose own peak RSS (``VmHWM``, read while it runs) is the figure, so the emulators' memory is
not counted.
Exits non-zero when any difference remains.
"""

from __future__ import annotations

import argparse
import math
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bench.results import Figure, machine_summary, record
from models.db import Database
from models.enums import ContainerKind
from models.tables import CONNECTIONS, CONTAINERS, RUNS
from tests.connectors.conformance import RunningVendor
from tests.connectors.harness_jira import RunningJira
from tests.dbutil import fresh_database_url
from tests.e2e.acceptance import differences, move_jira_sprints, serve_three_vendors, write_three_vendor_policy
from tests.e2e.kill9 import migrated
from tests.e2e.processes import BATON_CLI, baton_env

PAGE = {"jira": 100, "trello": 1000, "asana": 100}  # the item page size of each vendor's bulk read
PRIMARY = {"jira": ContainerKind.PROJECT, "trello": ContainerKind.BOARD, "asana": ContainerKind.PROJECT}


@dataclass(frozen=True)
class ChildRun:
    """One `baton` child process: exit code, wall time, its peak RSS and CPU, and the emulators' CPU meanwhile."""

    returncode: int
    wall: float
    peak_rss_mib: float
    sync_cpu: float
    emulator_cpu: float


def high_water_mib(pid: int) -> float | None:
    """``VmHWM`` of a live process: the peak RSS of its own image (``ru_maxrss`` would also count the parent's
    pages the child held between fork and exec, and this parent holds the emulators)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def sync_child(args: list[str], env: dict[str, str], cwd: Path) -> ChildRun:
    """Run `baton ARGS` to completion, reading its peak RSS every 0.2 s. This process only serves the emulators
    while it waits, so its CPU time over the run is the emulators' (where the time goes: emulator or connector)."""
    started, cpu = time.perf_counter(), time.process_time()
    log = (cwd / "baton.log").open("ab")
    process = subprocess.Popen([*BATON_CLI, *args], env=env, cwd=cwd, stdout=log, stderr=log)
    peak = 0.0
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
        peak = max(peak, high_water_mib(process.pid) or 0.0)
        time.sleep(0.2)
    log.close()
    return ChildRun(
        returncode=os.waitstatus_to_exitcode(status),
        wall=time.perf_counter() - started,
        peak_rss_mib=peak,
        sync_cpu=usage.ru_utime + usage.ru_stime,
        emulator_cpu=time.process_time() - cpu,
    )


def last_run(database: Database, connection: str) -> dict[str, Any]:
    with database.read_session() as session:
        row = (
            session.execute(
                select(RUNS)
                .join(CONNECTIONS, CONNECTIONS.c.id == RUNS.c.connection_id)
                .where(CONNECTIONS.c.name == connection)
                .order_by(RUNS.c.id.desc())
                .limit(1)
            )
            .mappings()
            .one()
        )
    return dict(row)


def containers(database: Database, connection: str, vendor: str) -> int:
    with database.read_session() as session:
        query = (
            select(func.count())
            .select_from(CONTAINERS.join(CONNECTIONS, CONNECTIONS.c.id == CONTAINERS.c.connection_id))
            .where(CONNECTIONS.c.name == connection, CONTAINERS.c.kind == str(PRIMARY[vendor]))
        )
        return int(session.execute(query).scalar_one())


def mutate(vendors: dict[str, RunningVendor], changes: int) -> None:
    jira = vendors["jira"]
    assert isinstance(jira, RunningJira)
    sprint_moves = changes // 10
    jira.mutate(changes - sprint_moves, seed=11)
    move_jira_sprints(jira, sprint_moves, seed=12)
    vendors["trello"].mutate(changes, seed=13)
    vendors["asana"].mutate(changes, seed=14)


def measure(items: int, changes: int, dialect: str) -> dict[str, dict[str, Any]]:
    results: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="acceptance-") as folder, fresh_database_url(dialect, Path(folder)) as url:
        workdir = Path(folder)
        database = migrated(url)
        with serve_three_vendors(items=items, seed=42) as vendors:
            env = baton_env(url, write_three_vendor_policy(vendors, workdir / "policy.yaml"))
            for name, vendor in vendors.items():
                minimum = vendor.minimum_full_sync_requests()
                child = sync_child(["sync", "--full", "--connection", vendor.config.name], env, workdir)
                run = last_run(database, vendor.config.name)
                seconds = (run["finished_at"] - run["started_at"]).total_seconds()
                differing, shown = differences(database, vendor)
                results[name] = {
                    "returncode": child.returncode,
                    "items": run["items_seen"],
                    "seconds": seconds,
                    "process_seconds": child.wall,
                    "peak_rss_mib": child.peak_rss_mib,
                    "sync_cpu": child.sync_cpu,
                    "emulator_cpu": child.emulator_cpu,
                    "requests": run["requests"],
                    "minimum": minimum,
                    "full_differences": differing,
                    "containers": containers(database, vendor.config.name, name),
                }
                print(name, "full", results[name], *shown, sep="\n  ", flush=True)
            mutate(vendors, changes)
            for name, vendor in vendors.items():
                child = sync_child(["sync", "--connection", vendor.config.name], env, workdir)
                run = last_run(database, vendor.config.name)
                differing, shown = differences(database, vendor)
                figures = results[name]
                figures.update(
                    incremental_returncode=child.returncode,
                    incremental_requests=run["requests"],
                    incremental_items=run["items_seen"],
                    incremental_deleted=run["items_deleted"],
                    incremental_seconds=(run["finished_at"] - run["started_at"]).total_seconds(),
                    incremental_formula=math.ceil(changes / PAGE[name]) + figures["containers"],
                    incremental_differences=differing,
                )
                print(name, "incremental", figures, *shown, sep="\n  ", flush=True)
        database.dispose()
    return results


def render(results: dict[str, dict[str, Any]], items: int, changes: int, dialect: str, command: str) -> str:
    lines = [
        "## Connectors: full sync, 500 changes, incremental sync (issue #5 acceptance)\n",
        f"{items:,} items per vendor (seed 42), emulators in the benchmark's process over HTTP; each sync is "
        f"`baton sync [--full] --connection NAME` in its own process (peak RSS is that process's); store: {dialect}. "
        f"Then {changes} changes per vendor through its write API (Jira transitions, edits, sprint moves, creates, "
        "deletes; Trello moves, archives, restores, members, due dates, points, deletes; Asana completions, "
        "section moves, assignments, deletes) and one incremental sync. *differences* compares the store with "
        "the emulator item by item (ids, status category, assignee, estimate, parent, sprint, due, labels, "
        "container; deleted items must be tombstoned).\n",
        f"Command: `{command}`  \nMachine: {machine_summary()}\n",
        "| vendor | full: items | s | items/s | peak RSS MiB | CPU s: baton / emulator | requests | minimum | ratio |"
        " differences | incremental: requests | ceil(k/page) + containers | items read | tombstoned | differences |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, r in results.items():
        lines.append(
            f"| {name} | {r['items']:,} | {r['seconds']:.0f} | {r['items'] / r['seconds']:,.0f} | "
            f"{r['peak_rss_mib']:.0f} | {r['sync_cpu']:.0f} / {r['emulator_cpu']:.0f} | "
            f"{r['requests']:,} | {r['minimum']:,} | {r['requests'] / r['minimum']:.3f} | "
            f"{r['full_differences']} | {r['incremental_requests']:,} | {r['incremental_formula']} "
            f"(page {PAGE[name]}, {r['containers']} containers) | {r['incremental_items']:,} | "
            f"{r['incremental_deleted']} | {r['incremental_differences']} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--changes", type=int, default=500)
    parser.add_argument("--dialect", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--record", action="store_true", help="write the section of docs/benchmarks.md")
    args = parser.parse_args()
    command = f".venv/bin/python -m bench.connector_acceptance --items {args.items} --changes {args.changes}"
    command += f" --dialect {args.dialect}" if args.dialect != "sqlite" else ""
    results = measure(args.items, args.changes, args.dialect)
    table = render(results, args.items, args.changes, args.dialect, command)
    print(table)
    if args.record:
        figures: list[Figure] = []
        for name, r in results.items():
            key = f"{name}_acceptance_{args.items}"
            figures += [
                Figure(f"{key}_full_items_per_s", round(r["items"] / r["seconds"]), "items/s", "", command),
                Figure(f"{key}_full_peak_rss", round(r["peak_rss_mib"]), "MiB", "", command),
                Figure(f"{key}_full_request_ratio", round(r["requests"] / r["minimum"], 3), "x", "<= 1.05", command),
                Figure(f"{key}_incremental_requests", r["incremental_requests"], "requests", "", command),
                Figure(f"{key}_incremental_formula", r["incremental_formula"], "requests", "", command),
                Figure(
                    f"{key}_differences", r["full_differences"] + r["incremental_differences"], "items", "0", command
                ),
            ]
        record(f"35-connector-acceptance-{args.items}", table, figures)
    bad = any(
        r["full_differences"] or r["incremental_differences"] or r["returncode"] or r["incremental_returncode"]
        for r in results.values()
    )
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
