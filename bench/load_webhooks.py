"""L2: signed webhook deliveries at a steady rate into a real `baton serve` (verify, store in the inbox, 2xx).

    .venv/bin/python -m bench.load_webhooks [--rate 200] [--duration 600] [--connections 16]
        [--dialect sqlite|postgresql] [--no-record]

Pass criteria (reliability-tests.md L2): p99 ack < 250 ms, 0 non-2xx. The inbox worker is off, so the figure is
the receiver's own (processing is measured by the W-rows' tests and benchmarks).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from tempfile import TemporaryDirectory

from sqlalchemy import func, select

from bench.load_common import BREAK, load_note, open_loop, table_row
from bench.load_scenarios import webhooks
from bench.results import Figure, machine_summary, record
from models.db import Database
from models.tables import WEBHOOK_EVENTS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--duration", type=float, default=600)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--dialect", default="sqlite", choices=["sqlite", "postgresql"])
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()
    with TemporaryDirectory() as tmp, webhooks(args.dialect, Path(tmp)) as scenario:
        result = open_loop(
            scenario.url, scenario.next_request, rate=args.rate, duration=args.duration, connections=args.connections
        )
        database = Database.from_url(scenario.database_url)
        with database.read_session() as session:
            stored = int(session.execute(select(func.count()).select_from(WEBHOOK_EVENTS)).scalar_one())
        database.dispose()
    s = result.summary()
    lost = s["requests"] + result.warm_up - stored
    print(s, {"stored": stored, "lost": lost})
    passed = s["p99_ms"] < 250 and s["non_2xx"] == 0 and lost == 0
    command = (
        f".venv/bin/python -m bench.load_webhooks --rate {args.rate:g} --duration {args.duration:g} "
        f"--connections {args.connections} --dialect {args.dialect}"
    )
    if not args.no_record:
        row = table_row(
            [
                f"{s['requests']:,}",
                s["rate"],
                s["p50_ms"],
                s["p95_ms"],
                s["p99_ms"],
                s["non_2xx"],
                f"{stored:,}",
                lost,
                "pass" if passed else "FAIL",
            ]
        )
        LOAD = load_note()
        markdown = f"""## L2: webhook ingest under load (`bench/load_webhooks.py`)

Signed Jira deliveries, each with its own delivery id, at a steady {args.rate:g} req/s for {args.duration:g} s over
{args.connections} connections into one `baton serve` process (1 uvicorn worker, inbox worker off) on {args.dialect};
the load generator runs on the same 2 cores. Ack latency counts from each request's scheduled send time.
Criteria: p99 ack < 250 ms, 0 non-2xx, 0 lost.

Command: `{command}`{BREAK}
Machine: {machine_summary()}{BREAK}
{LOAD}

| deliveries | achieved req/s | p50 ms | p95 ms | p99 ms | non-2xx | stored in the inbox | lost | verdict |
|---|---|---|---|---|---|---|---|---|
{row}
"""
        record(
            "61-load-webhooks",
            markdown,
            [
                Figure("L2 webhook ack p99", s["p99_ms"], "ms", "< 250", command),
                Figure("L2 webhook non-2xx", s["non_2xx"], "responses", "== 0", command),
                Figure("L2 webhook lost", lost, "deliveries", "== 0", command),
            ],
        )
    raise SystemExit(0 if passed else 1)


if __name__ == "__main__":
    main()
