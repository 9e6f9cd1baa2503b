"""W10: webhook ack latency under steady load, and webhook capacity against a bare endpoint on the same server.

    .venv/bin/python -m bench.webhook_ack [--rate 200] [--seconds 600] [--dialect sqlite|postgresql|both]
        [--rounds 5] [--round-seconds 10] [--record]

``BENCH_SCALE`` (e.g. 0.05) multiplies ``--seconds`` and ``--round-seconds``.

The receiver is Baton's real app (``create_app``: the Jira route, its middleware, the inbox insert and
COMMIT before the 2xx) in a uvicorn subprocess on an ephemeral port, on a fresh store of the dialect. The
load generator (tests/webhooks_reliability/sender.py: keep-alive connections, 64 in flight, vendor-style
retries) and the inbox worker (``InboxProcessor`` re-reading every issue) run in this process, on the same
2 cores.

1. Steady load: unique signed Jira deliveries at ``--rate``/s for ``--seconds``: p50/p99 ack, non-2xx
   answers, and lost events (acked but absent from the inbox).
2. ``webhook_ack_vs_bare``: unpaced, 32 in flight, ``--rounds`` alternating rounds of ``--round-seconds``
   against the webhook route and against ``POST /bench/bare`` (a FastAPI endpoint answering 200 with no work,
   added to the same app, so the same server and middleware): the medians of acks/s and their ratio.
"""

from __future__ import annotations

import argparse
import os
import statistics
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from tempfile import TemporaryDirectory

from fastapi import FastAPI, Response
from sqlalchemy import select

import migrations
from bench.results import Figure, machine_summary, record
from models.db import Database
from models.tables import WEBHOOK_EVENTS
from tests.dbutil import fresh_database_url
from tests.webhooks_reliability.events import VersionedSource, jira_event_set
from tests.webhooks_reliability.harness import concurrent_processing, drained, receiver_env
from tests.webhooks_reliability.receiver import running_receiver
from tests.webhooks_reliability.receiver_app import build_app
from tests.webhooks_reliability.sender import Delivery, SendReport, percentile, send_all

SCALE = float(os.environ.get("BENCH_SCALE", "1"))
FACTORY = "bench.webhook_ack:bench_app"


def bench_app() -> FastAPI:
    """The receiver app plus ``POST /bench/bare``: the floor one FastAPI request costs on this server."""
    app = build_app()

    @app.post("/bench/bare", include_in_schema=False)
    async def bare() -> Response:
        return Response(status_code=200)

    return app


@contextmanager
def fresh_store(dialect: str, workdir: Path) -> Iterator[Database]:
    with fresh_database_url(dialect, workdir) as url:
        database = Database.from_url(url)
        migrations.upgrade_to_head(database.engine)
        try:
            yield database
        finally:
            database.dispose()


def inbox_ids(database: Database) -> set[str]:
    with database.read_session() as session:
        return set(session.execute(select(WEBHOOK_EVENTS.c.delivery_id)).scalars())


def steady(database: Database, rate: float, seconds: float) -> dict[str, float]:
    count = max(1, int(rate * seconds))
    versions = 10
    events = jira_event_set(max(1, count // versions) + 1, versions)[:count]
    source = VersionedSource(events)
    with running_receiver(FACTORY, receiver_env(database)) as receiver, concurrent_processing(database, source):
        report = send_all(
            receiver.host,
            receiver.port,
            [event.delivery() for event in events],
            concurrency=64,
            rate_per_second=rate,
            before_first_send=lambda delivery: source.advance(delivery.key),
        )
        drained(database, timeout=600)
    acked = set(report.acked)
    return {
        "deliveries": float(count),
        "p50_ms": percentile(report.ack_seconds, 0.5) * 1000,
        "p99_ms": percentile(report.ack_seconds, 0.99) * 1000,
        "non_2xx": float(sum(n for status, n in report.statuses.items() if not 200 <= status < 300)),
        "connection_errors": float(report.connection_errors),
        "lost": float(len(acked - inbox_ids(database)) + len(report.given_up)),
        "achieved_rate": count / report.wall_seconds,
    }


def acks_per_second(report: SendReport) -> float:
    return sum(report.acked.values()) / report.wall_seconds


def versus_bare(database: Database, rounds: int, round_seconds: float) -> dict[str, float]:
    events = jira_event_set(5_000, 20)  # more than any round can send
    webhook = [event.delivery() for event in events]
    bare = [Delivery(key=d.key, path="/bench/bare", body=d.body, headers=d.headers) for d in webhook]
    webhook_rates: list[float] = []
    bare_rates: list[float] = []
    offset = 0
    with running_receiver(FACTORY, receiver_env(database)) as receiver:
        send_all(receiver.host, receiver.port, bare[:500], concurrency=32)  # warm-up
        for _round in range(rounds):
            report = send_all(receiver.host, receiver.port, webhook[offset:], concurrency=32, stop_after=round_seconds)
            offset += sum(report.acked.values())
            webhook_rates.append(acks_per_second(report))
            report = send_all(receiver.host, receiver.port, bare, concurrency=32, stop_after=round_seconds)
            bare_rates.append(acks_per_second(report))
    webhook_median = statistics.median(webhook_rates)
    bare_median = statistics.median(bare_rates)
    return {
        "webhook_acks_per_s": webhook_median,
        "bare_acks_per_s": bare_median,
        "ratio": webhook_median / bare_median,
        "webhook_rounds": webhook_rates,  # type: ignore[dict-item]
        "bare_rounds": bare_rates,  # type: ignore[dict-item]
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--seconds", type=float, default=600.0)
    parser.add_argument("--dialect", choices=["sqlite", "postgresql", "both"], default="sqlite")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--round-seconds", type=float, default=10.0)
    parser.add_argument("--record", action="store_true", help="Write the section into docs/benchmarks.md.")
    args = parser.parse_args()
    seconds = args.seconds * SCALE
    round_seconds = args.round_seconds * SCALE
    dialects = ["sqlite", "postgresql"] if args.dialect == "both" else [args.dialect]
    command = (
        f".venv/bin/python -m bench.webhook_ack --rate {args.rate:g} --seconds {seconds:g} --dialect {args.dialect}"
        f" --rounds {args.rounds} --round-seconds {round_seconds:g}"
    )
    results: dict[str, tuple[dict[str, float], dict[str, float]]] = {}
    with TemporaryDirectory() as tmp:
        for dialect in dialects:
            with fresh_store(dialect, Path(tmp)) as database:
                load = steady(database, args.rate, seconds)
            with fresh_store(dialect, Path(tmp)) as database:
                ratio = versus_bare(database, args.rounds, round_seconds)
            results[dialect] = (load, ratio)
            print(dialect, load, ratio, flush=True)
    lines = [
        "## Webhook ack latency and capacity (W10)",
        "",
        f"Steady load: unique signed Jira deliveries at {args.rate:g}/s for {seconds:g} s (64 in flight) to Baton's",
        "receiver in a uvicorn subprocess; the inbox worker processes concurrently. Capacity: unpaced, 32 in flight,",
        f"{args.rounds} alternating rounds of {round_seconds:g} s against the webhook route and a bare FastAPI",
        "endpoint on the same app (`webhook_ack_vs_bare` = median webhook acks/s / median bare acks/s; goal >= 0.6).",
        "Load generator, receiver, worker and database share the same 2 cores. The receiver's socket has",
        "TCP_NODELAY, as `baton serve` (uvicorn binding host:port) gives every connection; without it (uvicorn `--fd`,",
        "before 2026-11-24) each answer with a body, the receiver's but not the bare endpoint's empty one, waited",
        "for a delayed ACK.",
        "",
        f"Command: `{command}`  ",
        f"Machine: {machine_summary()}; {date.today()}",
        "",
        "| dialect | deliveries | achieved /s | ack p50 ms | ack p99 ms | non-2xx | lost | webhook acks/s"
        " | bare acks/s | ratio |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    figures = []
    for dialect, (load, ratio) in results.items():
        lines.append(
            f"| {dialect} | {load['deliveries']:,.0f} | {load['achieved_rate']:.0f} | {load['p50_ms']:.0f} | "
            f"{load['p99_ms']:.0f} | {load['non_2xx']:.0f} | {load['lost']:.0f} | {ratio['webhook_acks_per_s']:.0f} | "
            f"{ratio['bare_acks_per_s']:.0f} | {ratio['ratio']:.2f} |"
        )
        figures += [
            Figure(f"webhook_ack_p50_{dialect}", round(load["p50_ms"], 1), "ms", "", command),
            Figure(f"webhook_ack_p99_{dialect}", round(load["p99_ms"], 1), "ms", "< 1000", command),
            Figure(f"webhook_non_2xx_{dialect}", load["non_2xx"], "count", "0", command),
            Figure(f"webhook_lost_{dialect}", load["lost"], "count", "0", command),
            Figure(f"webhook_acks_per_s_{dialect}", round(ratio["webhook_acks_per_s"]), "acks/s", "", command),
            Figure(f"webhook_bare_acks_per_s_{dialect}", round(ratio["bare_acks_per_s"]), "acks/s", "", command),
            Figure(f"webhook_ack_vs_bare_{dialect}", round(ratio["ratio"], 3), "ratio", ">= 0.6", command),
        ]
    print("\n".join(lines))
    if args.record:
        record("60-webhook-ack", "\n".join(lines) + "\n", figures)


if __name__ == "__main__":
    main()
