"""`make bench`: run every benchmark in turn; each records its section in docs/benchmarks.md."""

from __future__ import annotations

import subprocess
import sys

BENCHMARKS = ["bench.upsert_throughput"]


def main() -> None:
    for module in BENCHMARKS:
        print(f"== {module}", flush=True)
        subprocess.run([sys.executable, "-m", module], check=True)


if __name__ == "__main__":
    main()
