"""Asana full-sync figures against the emulator over loopback: rate, peak RSS, requests vs the minimum,
and the bulk read through httpx vs through the asana SDK's own transport.

    .venv/bin/python -m bench.sync_asana --items 20000 --store            # full sync into a SQLite store
    .venv/bin/python -m bench.sync_asana --items 20000 --compare          # pull only: httpx vs SDK
    .venv/bin/python -m bench.sync_asana --items 100000 --store

Peak RSS is the process's (emulator included: it runs in-process). Results are printed, not stored.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

from connectors.asana import AsanaConnector
from connectors.asana.client import BulkPath
from tests.connectors.harness_asana import HARNESS, RunningAsana


def peak_rss_mb() -> float:
    """Peak resident set of this process, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def pull_only(running: RunningAsana, bulk: BulkPath) -> tuple[int, float, int]:
    """(items, seconds, requests) of one full pull, discovery included."""
    connector = AsanaConnector(running.config, bulk=bulk)
    started = time.perf_counter()
    connector.discover()
    items = sum(len(batch.items) for batch in connector.pull({}, full=True))
    seconds = time.perf_counter() - started
    connector.close()
    return items, seconds, connector.requests_made


def full_sync_into_store(running: RunningAsana) -> tuple[int, float, int]:
    """(items, seconds, requests) of ``run_sync`` into a fresh SQLite store, census included."""
    import migrations
    from models.db import Database
    from sync.engine import run_sync
    from sync.store import ensure_connection

    with tempfile.TemporaryDirectory() as folder:
        database = Database.from_url(f"sqlite:///{Path(folder) / 'bench.db'}")
        migrations.upgrade_to_head(database.engine)
        connection_id = ensure_connection(database, name="asana", vendor="asana", base_url=running.url)
        connector = AsanaConnector(running.config)
        started = time.perf_counter()
        report = run_sync(
            database, connection_id=connection_id, vendor=running.config.vendor, connector=connector, full=True
        )
        seconds = time.perf_counter() - started
        assert report.status == "succeeded", report.errors
        database.dispose()
        return report.items_seen, seconds, connector.requests_made


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--store", action="store_true", help="full sync into a SQLite store (census included)")
    parser.add_argument("--compare", action="store_true", help="pull only, through httpx and through the SDK")
    args = parser.parse_args()
    with HARNESS.running(seed=args.seed, items=args.items) as running:
        minimum = running.minimum_full_sync_requests()
        if args.compare:
            for bulk in (BulkPath.HTTPX, BulkPath.SDK, BulkPath.HTTPX, BulkPath.SDK):
                items, seconds, requests = pull_only(running, bulk)
                print(
                    f"pull via {bulk}: {items} items in {seconds:.1f} s = {items / seconds:.0f} items/s, "
                    f"{requests} requests"
                )
        if args.store or not args.compare:
            items, seconds, requests = full_sync_into_store(running)
            print(
                f"full sync into SQLite: {items} items in {seconds:.1f} s = {items / seconds:.0f} items/s; "
                f"{requests} requests, minimum {minimum} ({requests / minimum:.3f}x)"
            )
    print(f"peak RSS {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
