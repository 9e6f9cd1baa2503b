"""W7 and D4: 10,000 unique Jira events, each delivered twice in random order by 32 concurrent senders over
real HTTP to a receiver subprocess (real signatures), processed concurrently by the inbox worker.

Pass: every delivery acked; inbox = exactly the 10,000 events (0 lost, 0 duplicates: the receiver reports
10,000 new across 20,000 deliveries); each inbox row processed exactly once; every issue at its newest
version; the store digest equals the one computed from the event set alone (same on SQLite and PostgreSQL).
The wall time is printed (the ≤ 60 s criterion is a benchmark figure, never asserted here).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from models.db import Database
from tests.digest import store_digest
from tests.webhooks_reliability.events import (
    VersionedSource,
    deliveries_twice_shuffled,
    jira_event_set,
    reference_digest,
)
from tests.webhooks_reliability.harness import (
    REAL_RECEIVER,
    check_delivered_and_converged,
    concurrent_processing,
    drained,
    read_outcome,
    receiver_env,
)
from tests.webhooks_reliability.receiver import running_receiver
from tests.webhooks_reliability.sender import percentile, send_all

pytestmark = [pytest.mark.reliability, pytest.mark.slow]

ENTITIES = 1_000
VERSIONS = 10  # 10,000 unique events


def test_w7_ten_thousand_events_twice_in_random_order_32_concurrent(database: Database, tmp_path: Path) -> None:
    events = jira_event_set(ENTITIES, VERSIONS)
    deliveries = deliveries_twice_shuffled(events, seed=7)
    source = VersionedSource(events)
    with (
        running_receiver(REAL_RECEIVER, receiver_env(database)) as receiver,
        concurrent_processing(database, source) as processor,
    ):
        report = send_all(
            receiver.host,
            receiver.port,
            deliveries,
            concurrency=32,
            before_first_send=lambda delivery: source.advance(delivery.key),
        )
        drained(database)
    outcome = read_outcome(database, events, processor)
    print(
        f"\nW7 ({database.dialect}): {len(deliveries)} deliveries of {len(events)} events in "
        f"{report.wall_seconds:.1f} s ({len(deliveries) / report.wall_seconds:.0f}/s), "
        f"ack p50 {percentile(report.ack_seconds, 0.5) * 1000:.0f} ms p99 "
        f"{percentile(report.ack_seconds, 0.99) * 1000:.0f} ms, statuses {dict(report.statuses)}, "
        f"retries {report.retries}; processing: {outcome.totals.applied} applied, "
        f"{outcome.totals.stale_skipped} stale-skipped, {source.fetches} re-reads"
    )
    check_delivered_and_converged(events, report, outcome)
    assert report.new == len(events)  # the 10,000 duplicates stored nothing
    assert sum(report.acked.values()) == len(deliveries)
    assert store_digest(database) == reference_digest(events, tmp_path)  # D4: one expected digest, both dialects
