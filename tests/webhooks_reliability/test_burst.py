"""W11: a burst of 2,000 deliveries started within 5 s (400/s, up to 64 in flight) at a receiver subprocess.

Pass: 0 lost (every event acked and in the inbox), the backlog drained by the inbox worker (generous
timeout), every issue at its newest version. The ack p99 and the drain time are printed, not asserted
(they are benchmark figures; see bench/webhook_ack.py).
"""

from __future__ import annotations

import random
import time

import pytest

from models.db import Database
from tests.webhooks_reliability.events import VersionedSource, jira_event_set
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

DELIVERIES = 2_000
SECONDS = 5.0


def test_w11_burst_of_2000_in_5_seconds_loses_nothing_and_drains(database: Database) -> None:
    events = jira_event_set(DELIVERIES // 10, 10)
    deliveries = [event.delivery() for event in events]
    random.Random(11).shuffle(deliveries)
    source = VersionedSource(events)
    with (
        running_receiver(REAL_RECEIVER, receiver_env(database)) as receiver,
        concurrent_processing(database, source) as processor,
    ):
        report = send_all(
            receiver.host,
            receiver.port,
            deliveries,
            concurrency=64,
            rate_per_second=DELIVERIES / SECONDS,
            before_first_send=lambda delivery: source.advance(delivery.key),
        )
        sent = time.monotonic()
        drained(database, timeout=300)
        drain_seconds = time.monotonic() - sent
    outcome = read_outcome(database, events, processor)
    print(
        f"\nW11 ({database.dialect}): {DELIVERIES} deliveries sent in {report.wall_seconds:.1f} s, ack p50 "
        f"{percentile(report.ack_seconds, 0.5) * 1000:.0f} ms, p99 {percentile(report.ack_seconds, 0.99) * 1000:.0f}"
        f" ms, statuses {dict(report.statuses)}; backlog drained {drain_seconds:.1f} s after the last ack"
    )
    check_delivered_and_converged(events, report, outcome)
    assert report.new == DELIVERIES
