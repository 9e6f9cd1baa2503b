"""L3: the throughput regression guard. Measures L1 (dashboard list) and L2 (webhook ingest) throughput with
closed-loop clients and fails when either drops more than 20 % below the stored baseline (bench/baseline.json).

    .venv/bin/python -m bench.load_regression [--duration 30] [--connections 16] [--items 10000]
        [--update-baseline] [--no-record]

The baseline holds figures of one machine kind (its ``machine`` field); comparing across machine kinds means
nothing, so the script says so and compares anyway only when ``--force`` is given.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from tempfile import TemporaryDirectory

from bench.load_common import BREAK, bench_scale, closed_loop, load_note, table_row
from bench.load_scenarios import dashboard, webhooks
from bench.results import Figure, machine_summary, record

BASELINE = Path(__file__).with_name("baseline.json")
ALLOWED_DROP = 0.20


def measure(kind: str, duration: float, connections: int, items: int) -> dict[str, float]:
    with TemporaryDirectory() as tmp:
        scenario_of = (
            dashboard("sqlite", Path(tmp), items=items) if kind == "l1" else webhooks("sqlite", Path(tmp), prefix="l3")
        )
        with scenario_of as scenario:
            closed_loop(scenario.url, scenario.next_request, duration=min(5.0, duration), connections=connections)
            result = closed_loop(scenario.url, scenario.next_request, duration=duration, connections=connections)
    summary = result.summary()
    print(kind, summary, flush=True)
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=30)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--items", type=int, default=int(10_000 * bench_scale()))
    parser.add_argument("--update-baseline", action="store_true")
    parser.add_argument("--force", action="store_true", help="Compare even on another machine kind.")
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()
    machine = machine_summary()
    measured = {kind: measure(kind, args.duration, args.connections, args.items) for kind in ("l1", "l2")}
    rates = {kind: float(summary["rate"]) for kind, summary in measured.items()}
    if args.update_baseline:
        BASELINE.write_text(
            json.dumps(
                {
                    "machine": machine,
                    "connections": args.connections,
                    "items": args.items,
                    "duration": args.duration,
                    "l1_dashboard_rps": rates["l1"],
                    "l2_webhooks_rps": rates["l2"],
                },
                indent=2,
            )
            + "\n"
        )
        print(f"baseline written to {BASELINE}")
    baseline = json.loads(BASELINE.read_text())
    if baseline["machine"] != machine and not args.force:
        print(f"baseline machine differs ({baseline['machine']!r}); not comparing (use --force)")
        raise SystemExit(0)
    verdicts = {
        "l1": rates["l1"] >= (1 - ALLOWED_DROP) * baseline["l1_dashboard_rps"],
        "l2": rates["l2"] >= (1 - ALLOWED_DROP) * baseline["l2_webhooks_rps"],
    }
    command = (
        f".venv/bin/python -m bench.load_regression --duration {args.duration:g} --connections {args.connections} "
        f"--items {args.items}"
    )
    rows = "\n".join(
        table_row(
            [
                name,
                f"{baseline[key]:.0f}",
                f"{rates[kind]:.0f}",
                f"{(rates[kind] / baseline[key] - 1) * 100:+.0f} %",
                measured[kind]["p99_ms"],
                measured[kind]["non_2xx"],
                "pass" if verdicts[kind] else "FAIL",
            ]
        )
        for kind, name, key in (
            ("l1", "L1 dashboard list", "l1_dashboard_rps"),
            ("l2", "L2 webhook ingest", "l2_webhooks_rps"),
        )
    )
    if not args.no_record:
        LOAD = load_note()
        NOTE = " This run wrote the baseline (`--update-baseline`)." if args.update_baseline else ""
        markdown = f"""## L3: throughput regression guard (`bench/load_regression.py`)

Closed-loop throughput ({args.connections} clients back to back, {args.duration:g} s after a short warm-up) of L1
and L2 against one `baton serve` (1 uvicorn worker, SQLite, {args.items:,} items), compared with
`bench/baseline.json`: a drop of more than 20 % fails (same machine kind only).{NOTE}

Command: `{command}`{BREAK}
Machine: {machine}{BREAK}
{LOAD}

| scenario | baseline req/s | measured req/s | change | p99 ms | non-2xx | verdict |
|---|---|---|---|---|---|---|
{rows}
"""
        record(
            "62-load-regression",
            markdown,
            [
                Figure(
                    "L3 dashboard throughput",
                    rates["l1"],
                    "req/s",
                    f">= {0.8 * baseline['l1_dashboard_rps']:.0f}",
                    command,
                ),
                Figure(
                    "L3 webhook throughput",
                    rates["l2"],
                    "req/s",
                    f">= {0.8 * baseline['l2_webhooks_rps']:.0f}",
                    command,
                ),
            ],
        )
    raise SystemExit(0 if all(verdicts.values()) else 1)


if __name__ == "__main__":
    main()
