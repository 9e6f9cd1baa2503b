"""`make bench`: run every benchmark in turn; each records its section in docs/benchmarks.md."""

from __future__ import annotations

import os
import subprocess
import sys

SCALE = float(os.environ.get("BENCH_SCALE", "1"))
SELF_RECORDING = ["bench.upsert_throughput"]
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
]


def main() -> None:
    for module in SELF_RECORDING:
        print(f"== {module}", flush=True)
        subprocess.run([sys.executable, "-m", module], check=True)
    for section, title, module, args in CAPTURED:
        print(f"== {module} {' '.join(args)}", flush=True)
        subprocess.run([sys.executable, "-m", "bench.capture", section, title, module, *args], check=True)


if __name__ == "__main__":
    main()
