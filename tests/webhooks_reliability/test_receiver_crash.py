"""W8: W7 while the receiver is ``kill -9``-ed three times mid-delivery and restarted; the sender retries as
a vendor does (on a connection error or any non-2xx). Same pass criteria as W7.

The control build (``receiver_app.build_ack_before_commit_app``: answers 2xx before the inbox insert is
committed) must fail the same check: acked events are lost when it dies.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from models.db import Database
from tests.digest import store_digest
from tests.webhooks_reliability.events import (
    VersionedEvent,
    VersionedSource,
    deliveries_twice_shuffled,
    jira_event_set,
    reference_digest,
)
from tests.webhooks_reliability.harness import (
    CONTROL_RECEIVER,
    REAL_RECEIVER,
    Outcome,
    check_delivered_and_converged,
    concurrent_processing,
    drained,
    progress_killer,
    read_outcome,
    receiver_env,
)
from tests.webhooks_reliability.receiver import running_receiver
from tests.webhooks_reliability.sender import SendReport, percentile, send_all

pytestmark = [pytest.mark.reliability, pytest.mark.slow]

KILLS_AT = (0.25, 0.5, 0.75)  # of the deliveries acked


def deliver_through_three_kills(
    database: Database, factory: str, entities: int, versions: int
) -> tuple[list[VersionedEvent], SendReport, Outcome, int]:
    events = jira_event_set(entities, versions)
    deliveries = deliveries_twice_shuffled(events, seed=8)
    source = VersionedSource(events)
    acked = [0]
    lock = threading.Lock()

    def count_ack(_delivery: object) -> None:
        with lock:
            acked[0] += 1

    with running_receiver(factory, receiver_env(database)) as receiver:
        killer = progress_killer(receiver, lambda: acked[0], [int(len(deliveries) * f) for f in KILLS_AT])
        with concurrent_processing(database, source) as processor:
            report = send_all(
                receiver.host,
                receiver.port,
                deliveries,
                concurrency=32,
                before_first_send=lambda delivery: source.advance(delivery.key),
                on_ack=count_ack,
            )
            killer.join(timeout=300)
            # The control build's write-behind buffer flushes within a second: let it, before judging.
            threading.Event().wait(2)
            drained(database)
        kills = receiver.kills
    outcome = read_outcome(database, events, processor)
    print(
        f"\nW8 ({database.dialect}, {factory.rsplit(':', 1)[1]}): {len(deliveries)} deliveries, {kills} kills, "
        f"{report.wall_seconds:.1f} s, statuses {dict(report.statuses)}, connection errors "
        f"{report.connection_errors}, ack p99 {percentile(report.ack_seconds, 0.99) * 1000:.0f} ms; "
        f"inbox {len(set(outcome.inbox_ids))} of {len(events)} events, lost {outcome.lost}"
    )
    return events, report, outcome, kills


def test_w8_receiver_killed_three_times_loses_nothing(database: Database, tmp_path: Path) -> None:
    events, report, outcome, kills = deliver_through_three_kills(database, REAL_RECEIVER, 1_000, 10)
    assert kills == 3
    assert report.connection_errors > 0  # the kills did hit deliveries in flight
    check_delivered_and_converged(events, report, outcome)
    assert store_digest(database) == reference_digest(events, tmp_path)


def test_w8_control_build_that_acks_before_commit_fails_the_check(database: Database) -> None:
    events, report, outcome, kills = deliver_through_three_kills(database, CONTROL_RECEIVER, 200, 10)
    assert kills == 3
    assert outcome.lost > 0
    with pytest.raises(AssertionError, match="acked events lost"):
        check_delivered_and_converged(events, report, outcome)
