"""L1: the dashboard's item list (50 per page) at a steady rate, against a real `baton serve` on a seeded store.

    .venv/bin/python -m bench.load_dashboard [--rate 100] [--duration 300] [--connections 16] [--items 10000]
        [--dialect sqlite|postgresql] [--no-record]

Pass criteria (reliability-tests.md L1): p95 < 200 ms, p99 < 500 ms, 0 5xx. ``BENCH_SCALE`` scales ``--items``.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from tempfile import TemporaryDirectory

from bench.load_common import BREAK, bench_scale, load_note, open_loop, table_row
from bench.load_scenarios import dashboard
from bench.results import Figure, machine_summary, record


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=100)
    parser.add_argument("--duration", type=float, default=300)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--items", type=int, default=int(10_000 * bench_scale()))
    parser.add_argument("--dialect", default="sqlite", choices=["sqlite", "postgresql"])
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()
    with TemporaryDirectory() as tmp, dashboard(args.dialect, Path(tmp), items=args.items) as scenario:
        result = open_loop(
            scenario.url, scenario.next_request, rate=args.rate, duration=args.duration, connections=args.connections
        )
    s = result.summary()
    print(s)
    passed = s["p95_ms"] < 200 and s["p99_ms"] < 500 and s["5xx"] == 0
    command = (
        f".venv/bin/python -m bench.load_dashboard --rate {args.rate:g} --duration {args.duration:g} "
        f"--connections {args.connections} --items {args.items} --dialect {args.dialect}"
    )
    if not args.no_record:
        row = table_row(
            [
                f"{s['requests']:,}",
                s["rate"],
                s["p50_ms"],
                s["p95_ms"],
                s["p99_ms"],
                s["5xx"],
                s["non_2xx"] - s["5xx"],
                "pass" if passed else "FAIL",
            ]
        )
        LOAD = load_note()
        markdown = f"""## L1: dashboard list under load (`bench/load_dashboard.py`)

`GET /api/v1/items?limit=50` (four filter/sort variants in turn) at a steady {args.rate:g} req/s for {args.duration:g} s
over {args.connections} connections, against one `baton serve` process (1 uvicorn worker) on a {args.dialect} store of
{args.items:,} items; the load generator runs on the same 2 cores. Latency counts from each request's scheduled
send time. Criteria: p95 < 200 ms, p99 < 500 ms, 0 5xx.

Command: `{command}`{BREAK}
Machine: {machine_summary()}{BREAK}
{LOAD}

| requests | achieved req/s | p50 ms | p95 ms | p99 ms | 5xx | other non-2xx | verdict |
|---|---|---|---|---|---|---|---|
{row}
"""
        record(
            "60-load-dashboard",
            markdown,
            [
                Figure("L1 dashboard p95", s["p95_ms"], "ms", "< 200", command),
                Figure("L1 dashboard p99", s["p99_ms"], "ms", "< 500", command),
                Figure("L1 dashboard 5xx", s["5xx"], "responses", "== 0", command),
            ],
        )
    raise SystemExit(0 if passed else 1)


if __name__ == "__main__":
    main()
