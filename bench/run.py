"""`make bench`: run the benchmarks in turn; each records its section in docs/benchmarks.md and bench/results.json.

Two tiers:

- ``standard`` (``make bench``): the goals table's comparisons and every issue's figures at sizes that fit the
  45-minute budget on a 2-core machine (20,000 items where a goal names 100,000: the ratio is what is compared).
- ``long`` (``make bench-long``, ``BENCH_TIER=long``): the same at the sizes the goals name (100,000 and
  1,000,000 items), P7 at 100,000, the 10-minute W10 and D3 soaks. Hours, not minutes.

``BENCH_SCALE`` multiplies every item count (``BENCH_SCALE=0.1 make bench`` for a quick look);
``BENCH_ONLY=name,name`` runs only the named modules.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass

__all__ = ["BENCHMARKS", "Benchmark", "main"]

SCALE = float(os.environ.get("BENCH_SCALE", "1"))


def n(items: int) -> str:
    """An item count scaled by ``BENCH_SCALE`` (at least 300, the emulators' minimum)."""
    return str(max(300, int(items * SCALE)))


@dataclass(frozen=True)
class Benchmark:
    """One benchmark run: its module and arguments; ``section``/``title`` when bench.capture records it."""

    module: str
    args: tuple[str, ...] = ()
    tier: str = "standard"
    section: str = ""
    title: str = ""

    def argv(self) -> list[str]:
        if self.section:
            return [sys.executable, "-m", "bench.capture", self.section, self.title, self.module, *self.args]
        return [sys.executable, "-m", self.module, *self.args]


BENCHMARKS: tuple[Benchmark, ...] = (
    # -- goals (issue #11) ---------------------------------------------------------------------------------------
    Benchmark("bench.compare_floor", ("--items", n(20_000), "--rounds", "3", "--latencies", "0,150", "--record")),
    Benchmark("bench.compare_peers", ("--jira-items", n(20_000), "--items", n(5_000), "--rounds", "2", "--record")),
    Benchmark("bench.incremental_scaling", ("--small", n(10_000), "--large", n(100_000), "--rounds", "3", "--record")),
    Benchmark("bench.webhook_ack", ("--seconds", "60", "--dialect", "both", "--record")),
    Benchmark("bench.api_views", ("--items", n(10_000), n(100_000), "--dialect", "both", "--record")),
    Benchmark("bench.report_bench", ("--items", n(100_000), "--record")),
    # -- the other issues' figures -------------------------------------------------------------------------------
    Benchmark("bench.upsert_throughput"),
    Benchmark("bench.sync_jira", ("--items", n(20_000), "--record")),
    Benchmark("bench.sync_trello", ("--sizes", n(20_000))),
    Benchmark(
        "bench.sync_asana",
        ("--items", n(5_000), "--store"),
        section="31-sync-asana",
        title="Asana connector: full sync into SQLite",
    ),
    Benchmark("bench.connector_acceptance", ("--items", n(5_000), "--record")),
    Benchmark("bench.request_breakdown", ("--items", n(5_000), "--changes", "500", "--record")),
    Benchmark("bench.webhook_freshness", ("--seconds", "60", "--dialect", "sqlite", "--record")),
    Benchmark("bench.webhook_freshness", ("--seconds", "60", "--dialect", "postgresql", "--record")),
    Benchmark("bench.rules_sweep", ("--items", n(100_000)), section="40-rules-sweep", title="Rules: a full sweep"),
    Benchmark("bench.dashboard_pages", ("--items", n(100_000), "--record")),
    Benchmark("bench.load_dashboard", ("--duration", "30")),
    Benchmark("bench.load_webhooks", ("--duration", "30")),
    Benchmark(
        "bench.load_regression",
        (
            "--duration",
            "15",
        ),
    ),
    Benchmark("bench.connector_summary"),
    # -- long: the sizes the goals name ------------------------------------------------------------------------
    Benchmark(
        "bench.compare_floor", ("--items", n(100_000), "--rounds", "3", "--latencies", "0,150", "--record"), tier="long"
    ),
    Benchmark(
        "bench.compare_peers",
        ("--jira-items", n(100_000), "--items", n(20_000), "--rounds", "3", "--record"),
        tier="long",
    ),
    Benchmark("bench.incremental_scaling", ("--rss-sizes", f"{n(100_000)},{n(1_000_000)}", "--record"), tier="long"),
    Benchmark("bench.api_views", ("--items", n(10_000), n(1_000_000), "--dialect", "both", "--record"), tier="long"),
    Benchmark("bench.report_bench", ("--items", n(100_000), "--items", n(1_000_000), "--record"), tier="long"),
    Benchmark("bench.webhook_ack", ("--seconds", "600", "--dialect", "both", "--record"), tier="long"),
    Benchmark(
        "bench.soak_mixed",
        (
            "--duration",
            "600",
        ),
        tier="long",
    ),
    Benchmark("bench.p7_kill9", ("--items", n(20_000), "--control", "--record"), tier="long"),
    Benchmark("bench.p7_kill9", ("--items", n(100_000), "--record"), tier="long"),
    Benchmark("bench.connector_acceptance", ("--items", n(20_000), "--record"), tier="long"),
    Benchmark("bench.sync_trello", ("--sizes", f"{n(20_000)},{n(100_000)}"), tier="long"),
    Benchmark(
        "bench.rules_sweep",
        ("--items", n(1_000_000)),
        tier="long",
        section="40-rules-sweep-1m",
        title="Rules: a full sweep at 1M",
    ),
    Benchmark(
        "bench.emulator_scale",
        ("--items", n(1_000_000)),
        tier="long",
        section="20-emulator-scale",
        title="Emulator engine at scale",
    ),
    Benchmark(
        "bench.emulator_jira",
        ("--items", n(100_000)),
        tier="long",
        section="21-emulator-jira",
        title="Jira emulator: generation and search paging",
    ),
    Benchmark(
        "bench.emulator_trello",
        ("--items", n(100_000)),
        tier="long",
        section="22-emulator-trello",
        title="Trello emulator: generation and card paging",
    ),
    Benchmark(
        "bench.emulator_asana",
        ("--items", n(100_000)),
        tier="long",
        section="23-emulator-asana",
        title="Asana emulator: generation and task paging",
    ),
)


def selected(tier: str, only: set[str]) -> list[Benchmark]:
    """The benchmarks of ``tier`` (``long`` includes ``standard``), optionally only the named modules."""
    tiers = {"standard"} if tier == "standard" else {"standard", "long"}
    chosen = [b for b in BENCHMARKS if b.tier in tiers]
    return [b for b in chosen if not only or b.module.removeprefix("bench.") in only or b.module in only]


def main() -> None:
    tier = os.environ.get("BENCH_TIER", "standard")
    only = {name.strip() for name in os.environ.get("BENCH_ONLY", "").split(",") if name.strip()}
    started = time.monotonic()
    for benchmark in selected(tier, only):
        print(f"== {benchmark.module} {' '.join(benchmark.args)}", flush=True)
        subprocess.run(benchmark.argv(), check=True)
    print(f"== {tier} tier done in {(time.monotonic() - started) / 60:.1f} min", flush=True)


if __name__ == "__main__":
    main()
