"""Does an incremental sync cost what changed, not what exists? And does a full sync's memory stay flat?

    .venv/bin/python -m bench.incremental_scaling [--small 10000] [--large 100000] [--changes 100] [--rounds 3]
    .venv/bin/python -m bench.incremental_scaling --rss-sizes 100000,1000000

Incremental: for each size, a Jira emulator process, one full sync into a SQLite store (untimed), then per round
``--changes`` random changes through the emulator and an incremental sync in a fresh process (timed: ``run_sync``
only). Reported: the median incremental time at each size and ``incremental_100k_vs_10k`` (large ÷ small,
goal <= 1.2), with requests per run (ceil(k / page) pages + one census per project).

RSS (``--rss-sizes``): the peak RSS of a full sync at each size, and ``rss_full_1m_vs_100k`` (goal <= 1.2).
``BENCH_SCALE`` scales every size.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

import httpx

from bench.baton_worker import sync_in_child
from bench.emulated import running_emulator

__all__ = ["main"]


def measure_incremental(items: int, changes: int, rounds: int) -> dict[str, Any]:
    with running_emulator("jira", items=items) as url, TemporaryDirectory() as tmp:
        store = Path(tmp) / "store.db"
        full = sync_in_child("jira", url, Path(tmp), store)
        runs = []
        for _ in range(rounds):
            httpx.post(f"{url}/_emulator/mutations", json={"count": changes}, timeout=120).raise_for_status()
            runs.append(sync_in_child("jira", url, Path(tmp), store, incremental=True))
            print(json.dumps({"items": items, **runs[-1]}), flush=True)
    return {
        "items": items,
        "full_seconds": full["seconds"],
        "seconds": statistics.median(r["seconds"] for r in runs),
        "requests": statistics.median(r["requests"] for r in runs),
        "changed": statistics.median(r["changed"] for r in runs),
    }


def measure_rss(items: int) -> dict[str, Any]:
    with running_emulator("jira", items=items) as url, TemporaryDirectory() as tmp:
        result = sync_in_child("jira", url, Path(tmp))
    print(json.dumps({"items": items, **result}), flush=True)
    return {"items": items, **result}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--changes", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--rss-sizes", default="", help="comma-separated sizes for the full-sync RSS comparison")
    parser.add_argument("--record", action="store_true")
    args = parser.parse_args()
    scale = float(os.environ.get("BENCH_SCALE", "1"))
    from bench.results import Figure, machine_summary, record

    if args.rss_sizes:
        sizes = [max(300, int(int(size) * scale)) for size in args.rss_sizes.split(",")]
        rows = [measure_rss(size) for size in sizes]
        command = f".venv/bin/python -m bench.incremental_scaling --rss-sizes {args.rss_sizes}"
        lines = [
            "## Full-sync memory against store size (Jira)\n",
            f"Command: `{command}`  \nMachine: {machine_summary()}\n",
            "| items | seconds | items/s | peak RSS MiB |",
            "|---|---|---|---|",
            *(
                f"| {r['items']:,} | {r['seconds']:.0f} | {r['items'] / r['seconds']:,.0f} | {r['peak_rss_mib']:.0f} |"
                for r in rows
            ),
        ]
        ratio = rows[-1]["peak_rss_mib"] / rows[0]["peak_rss_mib"]
        lines.append(f"\nLargest ÷ smallest peak RSS: **{ratio:.2f}** (goal <= 1.2 for 1M ÷ 100k).")
        table = "\n".join(lines) + "\n"
        print(table)
        if args.record:
            record(
                "63-full-sync-rss", table, [Figure("rss_full_1m_vs_100k", round(ratio, 3), "ratio", "<= 1.2", command)]
            )
        return

    small = measure_incremental(max(300, int(args.small * scale)), args.changes, args.rounds)
    large = measure_incremental(max(300, int(args.large * scale)), args.changes, args.rounds)
    ratio = large["seconds"] / small["seconds"]
    command = (
        f".venv/bin/python -m bench.incremental_scaling --small {args.small} --large {args.large}"
        f" --changes {args.changes} --rounds {args.rounds}"
    )
    lines = [
        "## Incremental sync against store size (Jira)\n",
        f"{args.changes} random changes through the emulator, then an incremental sync in a fresh process; "
        f"median of {args.rounds} rounds.\n",
        f"Command: `{command}`  \nMachine: {machine_summary()}\n",
        "| items | full sync s | incremental s (median) | requests | items changed |",
        "|---|---|---|---|---|",
        *(
            f"| {r['items']:,} | {r['full_seconds']:.0f} | {r['seconds']:.2f} | {r['requests']:.0f} "
            f"| {r['changed']:.0f} |"
            for r in (small, large)
        ),
        f"\nLarge ÷ small incremental time: **{ratio:.2f}** (goal <= 1.2).",
    ]
    table = "\n".join(lines) + "\n"
    print(table)
    if args.record:
        record(
            "62-incremental", table, [Figure("incremental_100k_vs_10k", round(ratio, 3), "ratio", "<= 1.2", command)]
        )


if __name__ == "__main__":
    main()
