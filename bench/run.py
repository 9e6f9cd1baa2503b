"""`make bench`: run every benchmark in turn; each records its section in docs/benchmarks.md."""

from __future__ import annotations

import os
import subprocess
import sys

SCALE = float(os.environ.get("BENCH_SCALE", "1"))
SELF_RECORDING: list[list[str]] = [
    ["bench.upsert_throughput"],
    ["bench.sync_jira", "--items", str(int(20_000 * SCALE)), "--record"],
    ["bench.sync_trello", "--sizes", f"{int(20_000 * SCALE)},{int(100_000 * SCALE)}"],
    ["bench.webhook_ack", "--dialect", "both", "--record"],  # reads BENCH_SCALE itself
    ["bench.webhook_freshness", "--seconds", "60", "--dialect", "sqlite", "--record"],
    ["bench.webhook_freshness", "--seconds", "60", "--dialect", "postgresql", "--record"],
    ["bench.report_bench", "--items", str(int(100_000 * SCALE)), "--items", str(int(1_000_000 * SCALE)), "--record"],
    ["bench.dashboard_pages", "--items", str(int(100_000 * SCALE)), "--record"],
    ["bench.connector_acceptance", "--items", str(int(20_000 * SCALE)), "--record"],
    ["bench.p7_kill9", "--items", str(int(20_000 * SCALE)), "--control", "--record"],
    ["bench.p7_kill9", "--items", str(int(100_000 * SCALE)), "--record"],
]
CAPTURED = [
    ("20-emulator-scale", "Emulator engine at scale", "bench.emulator_scale", ["--items", str(int(1_000_000 * SCALE))]),
    (
        "21-emulator-jira",
        "Jira emulator: generation and search paging",
        "bench.emulator_jira",
        ["--items", str(int(100_000 * SCALE))],
    ),
    (
        "22-emulator-trello",
        "Trello emulator: generation and card paging",
        "bench.emulator_trello",
        ["--items", str(int(100_000 * SCALE))],
    ),
    (
        "23-emulator-asana",
        "Asana emulator: generation and task paging",
        "bench.emulator_asana",
        ["--items", str(int(100_000 * SCALE))],
    ),
    (
        "31-sync-asana",
        "Asana connector: full sync into SQLite",
        "bench.sync_asana",
        ["--items", str(int(20_000 * SCALE)), "--store"],
    ),
    ("40-rules-sweep", "Rules: a full sweep", "bench.rules_sweep", ["--items", str(int(100_000 * SCALE))]),
    (
        "50-api-views",
        "Planning views: p50/p95 per view",
        "bench.api_views",
        ["--items", str(int(10_000 * SCALE)), "--dialect", "both"],
    ),
]


def main() -> None:
    for command in SELF_RECORDING:
        print(f"== {' '.join(command)}", flush=True)
        subprocess.run([sys.executable, "-m", *command], check=True)
    for section, title, module, args in CAPTURED:
        print(f"== {module} {' '.join(args)}", flush=True)
        subprocess.run([sys.executable, "-m", "bench.capture", section, title, module, *args], check=True)
    subprocess.run([sys.executable, "-m", "bench.connector_summary"], check=True)


if __name__ == "__main__":
    main()
