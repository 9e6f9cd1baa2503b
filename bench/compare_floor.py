"""Baton's Jira full sync against the floor (bench/floor.py), alternating in one run, at 0 ms and 150 ms latency.

    .venv/bin/python -m bench.compare_floor [--items 100000] [--rounds 3] [--latencies 0,150] [--record]

Each round runs the floor and then a Baton full sync (``sync-sdk`` of bench/sync_jira.py: discovery, pull,
upserts into a fresh SQLite store, census), each in a fresh process, against one emulator process; the order
alternates between rounds. Reported: the medians and their ratio (Baton ÷ floor), and Baton's requests ÷ the
fewest pages a full sync could make. ``BENCH_SCALE`` scales ``--items``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

from bench.emulated import ROOT, running_emulator
from bench.floor import FloorPlan, fetch_floor, plan_jira_floor

__all__ = ["main"]

GOALS = {0.0: ("full_sync_vs_floor", "<= 1.25"), 150.0: ("full_sync_latency_vs_serial_floor", "<= 0.5")}


def _run(argv: list[str]) -> dict[str, Any]:
    done = subprocess.run([sys.executable, "-m", *argv], cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv[:3])} failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def run_floor(url: str, plan_file: Path) -> dict[str, Any]:
    return _run(["bench.compare_floor", "--worker-floor", str(plan_file), "--url", url])


def run_baton(url: str, workdir: str) -> dict[str, Any]:
    return _run(["bench.baton_worker", "--vendor", "jira", "--url", url, "--workdir", workdir])


def measure(items: int, latency_ms: float, rounds: int) -> dict[str, Any]:
    """Alternate floor and Baton ``rounds`` times against one emulator; medians, ratio, requests."""
    from bench.sync_jira import minimum_requests

    floors: list[dict[str, Any]] = []
    batons: list[dict[str, Any]] = []
    with running_emulator("jira", items=items, latency_ms=latency_ms) as url, TemporaryDirectory() as workdir:
        plan_file = Path(workdir) / "plan.json"
        plan_file.write_text(json.dumps(asdict(plan_jira_floor(url))))
        minimum = minimum_requests(url)
        for round_number in range(rounds):
            sides = [("floor", lambda: run_floor(url, plan_file)), ("baton", lambda: run_baton(url, workdir))]
            for side, run in sides if round_number % 2 == 0 else reversed(sides):
                result = run()
                (floors if side == "floor" else batons).append(result)
                print(json.dumps({"latency_ms": latency_ms, "round": round_number, "side": side, **result}), flush=True)
    floor_s = statistics.median(r["seconds"] for r in floors)
    baton_s = statistics.median(r["seconds"] for r in batons)
    return {
        "items": items,
        "latency_ms": latency_ms,
        "rounds": rounds,
        "floor_seconds": floor_s,
        "baton_seconds": baton_s,
        "ratio": baton_s / floor_s,
        "floor_requests": floors[0]["requests"],
        "baton_requests": batons[0]["requests"],
        "minimum_requests": minimum,
        "baton_peak_rss_mib": max(r["peak_rss_mib"] for r in batons),
    }


def render(results: list[dict[str, Any]], command: str) -> str:
    from bench.results import machine_summary

    lines = [
        "## Baton against the floor (Jira full sync)\n",
        "The floor is a bare httpx client fetching, one at a time, exactly the pages Baton's full sync needs and",
        "discarding them (bench/floor.py). Baton is a full sync into a fresh SQLite store. Both run in fresh",
        "processes, alternating, against one emulator process; medians of the rounds.\n",
        f"Command: `{command}`  \nMachine: {machine_summary()}\n",
        "| items | latency | rounds | floor s (median) | Baton s (median) | Baton ÷ floor | goal | Baton requests |"
        " minimum pages | Baton peak RSS MiB |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        goal = GOALS.get(r["latency_ms"], ("", ""))[1]
        lines.append(
            f"| {r['items']:,} | {r['latency_ms']:.0f} ms | {r['rounds']} | {r['floor_seconds']:.1f} | "
            f"{r['baton_seconds']:.1f} | {r['ratio']:.2f} | {goal} | {r['baton_requests']:,} | "
            f"{r['minimum_requests']:,} | {r['baton_peak_rss_mib']:.0f} |"
        )
    return "\n".join(lines) + "\n"


def record_results(results: list[dict[str, Any]], table: str, command: str) -> None:
    from bench.results import Figure, record

    figures = []
    for r in results:
        name, goal = GOALS.get(r["latency_ms"], (f"full_sync_vs_floor_{r['latency_ms']:.0f}ms", ""))
        figures.append(Figure(name, round(r["ratio"], 3), "ratio", goal, command))
        if r["latency_ms"] == 0:
            figures.append(
                Figure(
                    "requests_vs_min_pages",
                    round(r["baton_requests"] / r["minimum_requests"], 3),
                    "ratio",
                    "<= 1.05",
                    command,
                )
            )
    record("60-floor", table, figures)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--latencies", default="0,150", help="added emulator latency per request, ms")
    parser.add_argument("--record", action="store_true", help="write the section of docs/benchmarks.md")
    parser.add_argument("--worker-floor", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker_floor:
        import resource

        saved = json.loads(Path(args.worker_floor).read_text())
        plan = FloorPlan(str(saved["jql"]), tuple(saved["fields"]), tuple(saved["project_ids"]))
        run = fetch_floor(args.url, plan)
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps({**asdict(run), "peak_rss_mib": rss}))
        return
    items = int(args.items * float(os.environ.get("BENCH_SCALE", "1")))
    command = (
        f".venv/bin/python -m bench.compare_floor --items {args.items} --rounds {args.rounds}"
        f" --latencies {args.latencies}"
    )
    results = [measure(items, float(latency), args.rounds) for latency in args.latencies.split(",")]
    table = render(results, command)
    print(table)
    if args.record:
        record_results(results, table, command)


if __name__ == "__main__":
    main()
