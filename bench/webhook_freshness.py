"""Webhook freshness: how long a change made in a vendor takes to be visible in Baton's store, with no sync.

    .venv/bin/python -m bench.webhook_freshness [--seconds 60] [--per-minute 120] [--dialect sqlite] [--record]

The three emulators and Baton run over real HTTP on 127.0.0.1 (tests/webhooks_e2e/stack.py): a baseline full
sync, webhooks registered as `baton webhooks register` does, then each emulator's activity simulator
(`--activity`) changes items for ``--seconds``. Each change's wall time is taken when the emulator applies it
(its change bus); it becomes visible when Baton's inbox worker commits the item re-read from the vendor (the
row's ``updated_at``, or ``deleted_at`` for a deletion, both Baton's wall clock on the same machine). Only the
last change of each item counts (an earlier one is overtaken by it). The path measured: the emulator's signed
POST, verification and inbox commit, the inbox worker's poll (0.5 s when idle), the re-read through the
connector, and the upsert.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from bench.results import Figure, machine_summary, record
from connectors.factory import build_connector  # noqa: F401  (registers the vendor connectors)
from core.crypto import SecretBox
from core.policy import load_policy
from emulators.events import ChangeEvent, ChangeKind
from models.tables import CONNECTIONS, ITEMS
from sync.connections import sync_connections_from_policy
from sync.policy_bridge import connector_config_for
from sync.webhook_registration import register_webhooks, registration_target
from sync.webhook_vendors import vendor_hooks_for
from tests.dbutil import fresh_database_url
from tests.waiting import wait_for
from tests.webhooks_e2e.stack import FERNET_KEY, VENDORS, Stack, quiet, running_stack, sync_all

SECTION = "60-webhook-freshness"  # one section per dialect: 60-webhook-freshness-sqlite, …-postgresql


@dataclass
class ChangeLog:
    """The wall time of each item's last change, per vendor, from the emulators' change buses."""

    lock: threading.Lock
    last: dict[str, dict[str, tuple[float, bool]]]

    def listener(self, vendor: str):  # type: ignore[no-untyped-def]
        def on_change(change: ChangeEvent) -> None:
            with self.lock:
                self.last[vendor][change.after.external_id] = (time.time(), change.kind is ChangeKind.DELETED)

        return on_change


def register_all(stack: Stack) -> None:
    """What `baton webhooks register` does for each connection."""
    policy = load_policy(stack.policy_path).policy
    ids = sync_connections_from_policy(stack.database, policy)
    box = SecretBox.from_csv(FERNET_KEY)
    for vendor in VENDORS:
        name = stack.connection(vendor)
        target = registration_target(policy, name, ids[name], public_url=stack.baton_url, environ={})
        config, _ = connector_config_for(policy, name, {})
        hooks = vendor_hooks_for(config)
        try:
            report = register_webhooks(stack.database, box, hooks, target)
        finally:
            hooks.close()
        if report.failed:
            raise RuntimeError(f"registration failed for {name}: {report.outcomes}")


def latencies(stack: Stack, changes: Mapping[str, tuple[float, bool]], vendor: str) -> list[float]:
    """Seconds from each item's last change to its visible row (changes never visible are left out; the table
    shows how many were measured)."""
    with stack.database.read_session() as session:
        rows = session.execute(
            select(ITEMS.c.external_id, ITEMS.c.updated_at, ITEMS.c.deleted_at)
            .join(CONNECTIONS, CONNECTIONS.c.id == ITEMS.c.connection_id)
            .where(CONNECTIONS.c.name == stack.connection(vendor), ITEMS.c.external_id.in_(list(changes)))
        ).all()
    seen = {str(r[0]): (r[1], r[2]) for r in rows}
    out: list[float] = []
    for external_id, (changed_at, deleted) in changes.items():
        found = seen.get(external_id)
        if found is None:
            continue
        visible: datetime | None = found[1] if deleted else found[0]
        if visible is None:
            continue
        seconds = visible.replace(tzinfo=visible.tzinfo or UTC).timestamp() - changed_at
        if seconds >= 0:  # an older write: the change never became visible, so it is not measured
            out.append(seconds)
    return out


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=60.0, help="How long the activity runs.")
    parser.add_argument("--per-minute", type=float, default=120.0, help="Changes per minute per emulator.")
    parser.add_argument("--items", type=int, default=300)
    parser.add_argument("--dialect", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--record", action="store_true", help="Write the figures into docs/benchmarks.md.")
    args = parser.parse_args()

    log = ChangeLog(threading.Lock(), {vendor: {} for vendor in VENDORS})
    workdir = Path(tempfile.mkdtemp(prefix="baton-freshness-"))
    with (
        fresh_database_url(args.dialect, workdir) as url,
        running_stack(url, workdir, items=args.items) as stack,
    ):
        sync_all(stack.database, stack.policy_path, full=True)
        register_all(stack)
        for vendor in VENDORS:
            stack.runtimes[vendor].bus.subscribe(log.listener(vendor))
            stack.start_activity(vendor, per_minute=args.per_minute)
        time.sleep(args.seconds)
        applied = {vendor: stack.stop_activity(vendor) for vendor in VENDORS}
        wait_for(lambda: True if quiet(stack) else None, timeout=300)
        time.sleep(1.0)  # the worker's last pass commits
        with log.lock:
            changes = {vendor: dict(log.last[vendor]) for vendor in VENDORS}
        results = {vendor: latencies(stack, changes[vendor], vendor) for vendor in VENDORS}

    command = (
        f".venv/bin/python -m bench.webhook_freshness --seconds {args.seconds:g} --per-minute {args.per_minute:g} "
        f"--items {args.items} --dialect {args.dialect} --record"
    )
    lines = [
        f"## Webhook freshness ({args.dialect}): change in the vendor to visible in the store (no sync)\n",
        f"`{command}`\n",
        f"Machine: {machine_summary()}. Store: {args.dialect}. Each emulator's activity simulator ran "
        f"{args.per_minute:g} changes/min for {args.seconds:g} s with Baton's webhooks registered and no sync; "
        "latency is from the emulator applying a change to Baton committing the item re-read from the vendor "
        "(the last change of each item). The inbox worker polls every 0.5 s when idle.\n",
        "| vendor | changes applied | items measured | p50 (s) | p99 (s) | max (s) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    figures: list[Figure] = []
    everything: list[float] = []
    for vendor in VENDORS:
        values = results[vendor]
        everything += values
        if not values:
            lines.append(f"| {vendor} | {applied[vendor]} | 0 | - | - | - |")
            continue
        p50, p99 = percentile(values, 0.50), percentile(values, 0.99)
        lines.append(
            f"| {vendor} | {applied[vendor]} | {len(values)} of {len(changes[vendor])} | {p50:.2f} | {p99:.2f} "
            f"| {max(values):.2f} |"
        )
        figures.append(Figure(f"webhook_freshness_{args.dialect}_{vendor}_p50", round(p50, 3), "s", "", command))
        figures.append(Figure(f"webhook_freshness_{args.dialect}_{vendor}_p99", round(p99, 3), "s", "", command))
    if everything:
        p50, p99 = percentile(everything, 0.50), percentile(everything, 0.99)
        lines.append(
            f"| all | {sum(applied.values())} | {len(everything)} | {p50:.2f} | {p99:.2f} | {max(everything):.2f} |"
        )
        figures.append(Figure(f"webhook_freshness_{args.dialect}_p50", round(p50, 3), "s", "", command))
        figures.append(Figure(f"webhook_freshness_{args.dialect}_p99", round(p99, 3), "s", "", command))
        print(f"mean {statistics.mean(everything):.3f} s over {len(everything)} changes")
    markdown = "\n".join(lines)
    print(markdown)
    if args.record:
        record(f"{SECTION}-{args.dialect}", markdown, figures)


if __name__ == "__main__":
    main()
