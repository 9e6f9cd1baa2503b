"""One Baton full sync of one emulated vendor into a fresh SQLite store, in its own process, as JSON.

    .venv/bin/python -m bench.baton_worker --vendor jira --url http://127.0.0.1:8101 --workdir /tmp/w

Only ``run_sync`` is timed (creating and migrating the store is not); the printed line carries the items, the
seconds, the requests made and the process's peak RSS. The comparison benchmarks run it beside the floor and
the peers.
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from pathlib import Path
from typing import Any

from bench.emulated import CREDENTIALS

__all__ = ["baton_full_sync", "sync_in_child"]


def baton_full_sync(
    vendor: str, url: str, workdir: Path, *, store: Path | None = None, full: bool = True
) -> dict[str, Any]:
    """A sync of ``vendor`` at ``url`` into a SQLite store: a fresh one under ``workdir``, or ``store`` (created
    and migrated when missing, reused otherwise; ``full=False`` then runs an incremental sync from its cursors)."""
    import migrations
    from connectors.config import ConnectorConfig
    from connectors.factory import build_connector
    from models.db import Database
    from models.enums import Vendor
    from sync.engine import run_sync
    from sync.store import ensure_connection

    path = store if store is not None else workdir / f"baton-{vendor}-{time.monotonic_ns()}.db"
    database = Database.from_url(f"sqlite:///{path}")
    migrations.upgrade_to_head(database.engine)
    config = ConnectorConfig(name=vendor, vendor=Vendor(vendor), base_url=url, credentials=CREDENTIALS[vendor])
    connection_id = ensure_connection(database, name=vendor, vendor=vendor, base_url=url)
    connector = build_connector(config)
    started = time.perf_counter()
    report = run_sync(database, connection_id=connection_id, vendor=Vendor(vendor), connector=connector, full=full)
    seconds = time.perf_counter() - started
    database.dispose()
    if report.status != "succeeded":
        raise RuntimeError(f"sync failed: {report.errors}")
    return {
        "items": report.items_seen,
        "changed": report.items_changed,
        "seconds": seconds,
        "requests": connector.requests_made,
    }


def sync_in_child(
    vendor: str, url: str, workdir: Path, store: Path | None = None, *, incremental: bool = False
) -> dict[str, Any]:
    """Run this worker in a child process (a fresh interpreter, as a user's ``baton sync`` is) and return its
    JSON line; RuntimeError with the end of its stderr when it fails."""
    import subprocess
    import sys

    from bench.emulated import ROOT

    argv = [sys.executable, "-m", "bench.baton_worker", "--vendor", vendor, "--url", url, "--workdir", str(workdir)]
    argv += ["--store", str(store)] if store is not None else []
    argv += ["--incremental"] if incremental else []
    done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"baton worker failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--vendor", choices=sorted(CREDENTIALS), required=True)
    parser.add_argument("--url", required=True)
    parser.add_argument("--workdir", type=Path, required=True)
    parser.add_argument("--store", type=Path, help="reuse this SQLite file (created when missing)")
    parser.add_argument("--incremental", action="store_true", help="an incremental sync from the store's cursors")
    args = parser.parse_args()
    result = baton_full_sync(args.vendor, args.url, args.workdir, store=args.store, full=not args.incremental)
    print(json.dumps({**result, "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


if __name__ == "__main__":
    main()
