"""A full rules sweep over a store of N items: time and peak RSS of loading and of the sweep.

    .venv/bin/python -m bench.rules_sweep [--items 30000] [--db PATH] [--seed 1] [--batch 1000]

The store is the emulator's generated organisation (N/3 items per tool, with their full history, links and
sprints) written through the test adapter and ``StoreWriter``, in a SQLite file. Loading and the sweep run in
separate processes so each reports its own peak RSS. ``--db`` keeps (or reuses) the file: a second run with the
same ``--db`` and ``--items`` only sweeps.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path
from tempfile import TemporaryDirectory

from sqlalchemy import func, select

import migrations
from models.db import Database
from models.tables import FINDINGS, ITEMS, TRANSITIONS


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _load(path: Path, items: int, seed: int) -> dict[str, float]:
    from tests.rules.org_store import load_org, organisation

    database = Database.from_url(f"sqlite:///{path}")
    migrations.upgrade_to_head(database.engine)
    started = time.perf_counter()
    load_org(database, organisation(seed, max(300, items // 3)), batch_size=1_000)
    seconds = time.perf_counter() - started
    with database.read_session() as session:
        count = session.execute(select(func.count()).select_from(ITEMS)).scalar_one()
        transitions = session.execute(select(func.count()).select_from(TRANSITIONS)).scalar_one()
    return {"seconds": seconds, "items": count, "transitions": transitions, "rss_mb": _peak_rss_mb()}


def _sweep(path: Path, items: int, seed: int, batch: int) -> dict[str, float]:
    from sync.rules.evaluate import run_sweep
    from tests.rules.org_store import build_policy, epoch, organisation

    org = organisation(seed, max(300, items // 3))
    database = Database.from_url(f"sqlite:///{path}")
    started = time.perf_counter()
    summary = run_sweep(database, build_policy(org), epoch(org.now), batch_size=batch)
    seconds = time.perf_counter() - started
    with database.read_session() as session:
        open_findings = session.execute(
            select(func.count()).select_from(FINDINGS).where(FINDINGS.c.resolved_at.is_(None))
        ).scalar_one()
    return {
        "seconds": seconds,
        "items": summary.items,
        "findings": open_findings,
        "items_per_second": summary.items / seconds,
        "rss_mb": _peak_rss_mb(),
    }


def _child(phase: str, path: Path, args: argparse.Namespace) -> dict[str, float]:
    command = [sys.executable, "-m", "bench.rules_sweep", "--phase", phase, "--db", str(path)]
    command += ["--items", str(args.items), "--seed", str(args.seed), "--batch", str(args.batch)]
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=30_000, help="items in the store, across the three tools")
    parser.add_argument("--db", type=Path, default=None, help="SQLite file to build (or reuse) and keep")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--batch", type=int, default=1_000, help="items per evaluation batch")
    parser.add_argument("--phase", choices=["load", "sweep"], default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase == "load":
        print(json.dumps(_load(args.db, args.items, args.seed)))
        return
    if args.phase == "sweep":
        print(json.dumps(_sweep(args.db, args.items, args.seed, args.batch)))
        return
    with TemporaryDirectory() as scratch:
        path = args.db or Path(scratch) / "rules-bench.db"
        load = _child("load", path, args) if not path.exists() else None
        sweep = _child("sweep", path, args)
    print(f"command: .venv/bin/python -m bench.rules_sweep --items {args.items}  (SQLite, seed {args.seed})")
    print(f"{'phase':<8} {'items':>10} {'seconds':>9} {'items/s':>9} {'peak RSS MB':>12}  notes")
    if load is not None:
        print(
            f"{'load':<8} {load['items']:>10,.0f} {load['seconds']:>9.1f} {load['items'] / load['seconds']:>9,.0f} "
            f"{load['rss_mb']:>12.0f}  {load['transitions']:,.0f} transitions"
        )
    print(
        f"{'sweep':<8} {sweep['items']:>10,.0f} {sweep['seconds']:>9.1f} {sweep['items_per_second']:>9,.0f} "
        f"{sweep['rss_mb']:>12.0f}  {sweep['findings']:,.0f} open findings"
    )


if __name__ == "__main__":
    main()
