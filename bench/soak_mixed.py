"""D3 (nightly): mixed soak. Webhook writes and dashboard reads at a steady rate together, against one
`baton serve` on SQLite; then the WAL file's size, the server's memory growth and any "database is locked".

    .venv/bin/python -m bench.soak_mixed [--write-rate 200] [--read-rate 200] [--duration 600] [--items 10000]
        [--no-record]

Pass criteria (reliability-tests.md D3): 0 5xx, 0 locked errors, `-wal` < 100 MB at the end, RSS growth < 10 %
(from the end of the first tenth of the run to the end).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
from pathlib import Path
from tempfile import TemporaryDirectory

from bench.load_common import (
    BREAK,
    LoadResult,
    bench_scale,
    jira_delivery,
    load_note,
    open_loop_async,
    rss_bytes,
    table_row,
)
from bench.load_scenarios import dashboard
from bench.results import Figure, machine_summary, record


async def soak(
    url: str, read, write_rate: float, read_rate: float, duration: float, pid: int
) -> tuple[LoadResult, LoadResult, int, int]:
    counter = itertools.count()
    rss: list[int] = []

    async def sample() -> None:
        await asyncio.sleep(duration / 10)
        rss.append(rss_bytes(pid))

    writes, reads, _ = await asyncio.gather(
        open_loop_async(
            url, lambda n: jira_delivery(next(counter), 10_000 + n % 5_000, prefix="d3"), write_rate, duration, 16
        ),
        open_loop_async(url, read, read_rate, duration, 16),
        sample(),
    )
    return writes, reads, rss[0], rss_bytes(pid)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write-rate", type=float, default=200)
    parser.add_argument("--read-rate", type=float, default=200)
    parser.add_argument("--duration", type=float, default=600)
    parser.add_argument("--items", type=int, default=int(10_000 * bench_scale()))
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()
    with TemporaryDirectory() as tmp, dashboard("sqlite", Path(tmp), items=args.items) as scenario:
        writes, reads, rss_start, rss_end = asyncio.run(
            soak(scenario.url, scenario.next_request, args.write_rate, args.read_rate, args.duration, scenario.pid)
        )
        db_path = Path(scenario.database_url.removeprefix("sqlite:///"))
        wal = Path(f"{db_path}-wal")
        wal_bytes = wal.stat().st_size if wal.exists() else 0
        locked = scenario.log.read_text(errors="replace").count("database is locked")
    w, r = writes.summary(), reads.summary()
    growth = (rss_end / rss_start - 1) * 100 if rss_start else 0.0
    fivexx = w["5xx"] + r["5xx"]
    passed = fivexx == 0 and locked == 0 and wal_bytes < 100 * 2**20 and growth < 10
    print({"writes": w, "reads": r, "wal_bytes": wal_bytes, "rss_growth_pct": round(growth, 1), "locked": locked})
    command = (
        f".venv/bin/python -m bench.soak_mixed --write-rate {args.write_rate:g} --read-rate {args.read_rate:g} "
        f"--duration {args.duration:g} --items {args.items}"
    )
    if not args.no_record:
        row = table_row(
            [
                f"{w['requests']:,} / {r['requests']:,}",
                f"{w['rate']} / {r['rate']}",
                f"{w['p99_ms']} / {r['p99_ms']}",
                fivexx,
                w["non_2xx"] + r["non_2xx"] - fivexx,
                locked,
                f"{wal_bytes / 2**20:.1f}",
                f"{rss_start / 2**20:.0f} -> {rss_end / 2**20:.0f} ({growth:+.1f} %)",
                "pass" if passed else "FAIL",
            ]
        )
        LOAD = load_note()
        markdown = f"""## D3: mixed soak on SQLite (`bench/soak_mixed.py`, nightly)

Signed webhook deliveries (writes) at {args.write_rate:g}/s and dashboard list reads at {args.read_rate:g}/s together
for {args.duration:g} s, against one `baton serve` (1 uvicorn worker, inbox worker off) on a SQLite store of
{args.items:,} items; client on the same 2 cores. Criteria: 0 5xx, 0 "database is locked", `-wal` < 100 MB at the
end, server RSS growth < 10 % (from the end of the first tenth of the run).

Command: `{command}`{BREAK}
Machine: {machine_summary()}{BREAK}
{LOAD}

| writes / reads | achieved req/s | p99 ms | 5xx | other non-2xx | locked | WAL MB at end | server RSS MB | verdict |
|---|---|---|---|---|---|---|---|---|
{row}
"""
        record(
            "63-soak-mixed",
            markdown,
            [
                Figure("D3 soak 5xx", fivexx, "responses", "== 0", command),
                Figure("D3 soak WAL at end", round(wal_bytes / 2**20, 1), "MB", "< 100", command),
                Figure("D3 soak RSS growth", round(growth, 1), "%", "< 10", command),
            ],
        )
    raise SystemExit(0 if passed else 1)


if __name__ == "__main__":
    main()
