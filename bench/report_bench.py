"""The nightly report at scale: time and peak RSS of building, rendering and storing it over N items.

    .venv/bin/python -m bench.report_bench [--items 100000 --items 1000000] [--workdir bench/.work] [--record]

The store (SQLite file, WAL) is filled by ``bench.api_views.seed`` (Core bulk inserts: 3 connections, 60 projects
and boards in 12 teams, items with status history, findings, sprints and memberships). Seeding and the report run in
separate processes, so the report's peak RSS is its own. A kept store (``--workdir``) is reused by a later run.
``--record`` writes the figures to bench/results.json and docs/benchmarks.md (``report_seconds_*``,
``report_rss_*_mb``; goal: at most 512 MB at 1,000,000 items).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from sqlalchemy import func, select

import migrations
from models.db import Database
from models.tables import FINDINGS, ITEMS, TRANSITIONS

ROOT = Path(__file__).resolve().parents[1]
RSS_GOAL_MB = 512
SOURCES = ("jira", "trello", "asana")
CREDENTIALS = {
    "jira": "{email: bench@acme.example, api_token: t}",
    "trello": "{api_key: k, token: t}",
    "asana": "{token: t}",
}


def bench_policy() -> str:
    """Connections and the 12 teams of ``bench.api_views.seed`` (container n: key P<n>, team n % 12)."""
    lines = ["version: 1", "connections:"]
    for name in SOURCES:
        base_url = f"https://{name}.example"
        lines.append(f"  - {{name: {name}, vendor: {name}, base_url: '{base_url}', credentials: {CREDENTIALS[name]}}}")
    lines.append("teams:")
    for team in range(12):
        refs = ", ".join(f"{{connection: {SOURCES[n % 3]}, key: P{n}}}" for n in range(60) if n % 12 == team)
        lines.append(f"  team-{team}:\n    containers: [{refs}]")
    return "\n".join(lines) + "\n"


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _seed(path: Path, items: int) -> dict[str, float]:
    from bench.api_views import seed

    database = Database.from_url(f"sqlite:///{path}")
    migrations.upgrade_to_head(database.engine)
    started = time.perf_counter()
    seed(database, items)
    seconds = time.perf_counter() - started
    with database.read_session() as session:
        transitions = session.execute(select(func.count()).select_from(TRANSITIONS)).scalar_one()
    database.dispose()
    return {"seconds": seconds, "transitions": transitions, "rss_mb": _peak_rss_mb()}


def _report(path: Path) -> dict[str, float]:
    from bench.api_views import NOW
    from core.policy import load_policy_text
    from reporting.build import build_report
    from reporting.store import render_all, store_report

    policy = load_policy_text(bench_policy()).policy
    database = Database.from_url(f"sqlite:///{path}")
    started = time.perf_counter()
    data = build_report(database, policy, NOW.date(), None, lambda: NOW)
    built = time.perf_counter()
    rendered = render_all(data)
    drawn = time.perf_counter()
    store_report(database, rendered, clock=lambda: NOW)
    stored = time.perf_counter()
    with database.read_session() as session:
        items = session.execute(select(func.count()).select_from(ITEMS)).scalar_one()
        findings = session.execute(
            select(func.count()).select_from(FINDINGS).where(FINDINGS.c.resolved_at.is_(None))
        ).scalar_one()
    database.dispose()
    return {
        "items": items,
        "open_findings": findings,
        "build_seconds": built - started,
        "render_seconds": drawn - built,
        "store_seconds": stored - drawn,
        "seconds": stored - started,
        "html_kb": len(rendered.html.encode()) / 1024,
        "rss_mb": _peak_rss_mb(),
    }


def _child(phase: str, path: Path, items: int) -> dict[str, float]:
    command = [sys.executable, "-m", "bench.report_bench", "--phase", phase, "--db", str(path), "--items", str(items)]
    done = subprocess.run(command, check=True, capture_output=True, text=True, cwd=ROOT)
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _label(items: int) -> str:
    return f"{items // 1_000_000}m" if items % 1_000_000 == 0 else f"{items // 1_000}k"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, action="append", help="store size (repeat for several)")
    parser.add_argument("--workdir", type=Path, default=ROOT / "bench" / ".work", help="where the stores are kept")
    parser.add_argument("--record", action="store_true", help="record into bench/results.json, docs/benchmarks.md")
    parser.add_argument("--phase", choices=["seed", "report"], default=None, help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    sizes = args.items or [100_000]
    if args.phase == "seed":
        print(json.dumps(_seed(args.db, sizes[0])))
        return
    if args.phase == "report":
        print(json.dumps(_report(args.db)))
        return
    args.workdir.mkdir(parents=True, exist_ok=True)
    command = ".venv/bin/python -m bench.report_bench " + " ".join(f"--items {n}" for n in sizes) + " --record"
    rows = []
    figures = []
    for items in sizes:
        path = args.workdir / f"report-{items}.db"
        if not path.exists():
            seeded = _child("seed", path, items)
            print(f"seeded {items:,} items ({seeded['transitions']:,.0f} transitions) in {seeded['seconds']:.0f} s")
        result = _child("report", path, items)
        print(json.dumps(result))
        rows.append(
            f"| {result['items']:,.0f} | {result['open_findings']:,.0f} | {result['build_seconds']:.1f} | "
            f"{result['render_seconds']:.1f} | {result['store_seconds']:.2f} | {result['seconds']:.1f} | "
            f"{result['rss_mb']:.0f} MB | {result['html_kb']:.0f} KB |"
        )
        label = _label(items)
        goal = f"<= {RSS_GOAL_MB}" if items >= 1_000_000 else ""
        figures += [
            ("report_seconds_" + label, round(result["seconds"], 1), "s", ""),
            ("report_rss_" + label + "_mb", round(result["rss_mb"]), "MB", goal),
        ]
    table = "\n".join(
        [
            "| items | open findings | build s | render s | store s | total s | peak RSS | HTML |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|",
            *rows,
        ]
    )
    print(table)
    if args.record:
        from bench.results import Figure, machine_summary, record

        markdown = (
            "## Nightly report (build, render, store)\n\n"
            f"`{command}` (SQLite, WAL; store from `bench.api_views.seed`; {date.today()}; {machine_summary()})\n\n"
            "The report streams its aggregates from SQL in one read snapshot (docs/report.md); peak RSS is the report "
            f"process's own (goal: at most {RSS_GOAL_MB} MB at 1,000,000 items).\n\n" + table + "\n"
        )
        record(
            "50-report",
            markdown,
            [Figure(name, value, unit, goal, command) for name, value, unit, goal in figures],
        )


if __name__ == "__main__":
    main()
