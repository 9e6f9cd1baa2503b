"""Throughput of the batched upsert primitive on SQLite and PostgreSQL.

    .venv/bin/python -m bench.upsert_throughput [--rows 100000] [--batch 1000]

Three passes over the same rows: insert into an empty table, an identical re-run (every row skipped by the
version guard) and an update with newer versions.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from tempfile import TemporaryDirectory

from sqlalchemy import Table

import migrations
from bench.results import Figure, machine_summary, record
from models import Connection, WorkItem
from models.db import Database
from sync.upsert import upsert_rows
from tests.dbutil import POSTGRES_URL, fresh_database_url

T0 = datetime(2026, 1, 1, tzinfo=UTC)
ITEMS: Table = WorkItem.__table__  # type: ignore[assignment]


def make_rows(connection_id: int, count: int, minutes: int) -> list[dict[str, object]]:
    return [
        {
            "connection_id": connection_id,
            "source": "jira",
            "external_id": str(10_000 + i),
            "key": f"PROJ-{i}",
            "title": f"Item {i} with a realistic title of some length",
            "status_raw": "In Progress",
            "status_category": "in_progress",
            "assignee_external_id": f"acct-{i % 50}",
            "estimate": float(i % 8),
            "source_updated_at": T0 + timedelta(minutes=minutes),
            "source_version": f"{i:020d}",
            "raw": {"id": i, "fields": {"summary": f"Item {i}", "labels": ["a", "b"]}},
            "updated_at": T0 + timedelta(minutes=minutes),
        }
        for i in range(count)
    ]


def timed_pass(database: Database, rows: list[dict[str, object]], batch: int) -> tuple[float, int]:
    changed = 0
    start = time.perf_counter()
    for offset in range(0, len(rows), batch):
        with database.session() as session:
            changed += upsert_rows(
                session,
                ITEMS,
                rows[offset : offset + batch],
                key=("connection_id", "external_id"),
                version=("source_updated_at", "source_version"),
            )
            session.commit()
    return time.perf_counter() - start, changed


def measure(dialect: str, rows_count: int, batch: int, workdir: Path) -> dict[str, float]:
    with fresh_database_url(dialect, workdir) as url:
        database = Database.from_url(url)
        migrations.upgrade_to_head(database.engine)
        with database.session() as session:
            connection = Connection(name="bench", vendor="jira", base_url="http://127.0.0.1:8101")
            session.add(connection)
            session.commit()
            assert connection.id is not None
            connection_id = connection.id
        first = make_rows(connection_id, rows_count, 1)
        passes: dict[str, Callable[[], tuple[float, int]]] = {
            "insert": lambda: timed_pass(database, first, batch),
            "rerun": lambda: timed_pass(database, first, batch),
            "update": lambda: timed_pass(database, make_rows(connection_id, rows_count, 2), batch),
        }
        rates: dict[str, float] = {}
        for name, run in passes.items():
            seconds, changed = run()
            expected = 0 if name == "rerun" else rows_count
            assert changed == expected, f"{dialect} {name}: {changed} rows changed, expected {expected}"
            rates[name] = rows_count / seconds
        database.dispose()
        return rates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    scale = float(os.environ.get("BENCH_SCALE", "1"))
    parser.add_argument("--rows", type=int, default=int(100_000 * scale))
    parser.add_argument("--batch", type=int, default=1_000)
    args = parser.parse_args()
    command = f".venv/bin/python -m bench.upsert_throughput --rows {args.rows} --batch {args.batch}"
    results: dict[str, dict[str, float]] = {}
    with TemporaryDirectory() as tmp:
        for dialect in ("sqlite", "postgresql"):
            results[dialect] = measure(dialect, args.rows, args.batch, Path(tmp))
    lines = [
        "## Upsert primitive (`sync/upsert.py`)\n",
        f"{args.rows:,} `work_item` rows in batches of {args.batch:,}, one transaction per batch. "
        f"PostgreSQL at `{POSTGRES_URL.split('@')[-1]}` on the same machine.\n",
        f"Command: `{command}`  \nMachine: {machine_summary()}\n",
        "| pass | SQLite rows/s | PostgreSQL rows/s |",
        "|---|---|---|",
    ]
    figures: list[Figure] = []
    for name, label in (
        ("insert", "insert (empty table)"),
        ("rerun", "identical re-run (all skipped)"),
        ("update", "update (newer versions)"),
    ):
        lines.append(f"| {label} | {results['sqlite'][name]:,.0f} | {results['postgresql'][name]:,.0f} |")
        for dialect in ("sqlite", "postgresql"):
            figures.append(Figure(f"upsert_{name}_{dialect}", round(results[dialect][name]), "rows/s", "", command))
    record("10-upsert", "\n".join(lines) + "\n", figures)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
