"""Shared by W7, W8 and W11: a receiver subprocess on the test store, inbox processing beside it, the checks.

Processing runs in the test process through the service's own worker (``api.inbox_worker.InboxWorker``
driving ``sync.inbox.InboxProcessor``), concurrently with delivery, and re-reads each issue from a
:class:`VersionedSource` whose issues advance as the deliveries announce them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import func, select

from api.inbox_worker import InboxWorker
from models.db import Database
from models.tables import ITEMS, WEBHOOK_EVENTS
from sync.inbox import InboxPolicy, InboxProcessor, ProcessOutcome
from sync.store import ensure_connection
from tests.api.seed import FERNET_KEY
from tests.waiting import wait_for
from tests.webhooks_reliability.events import CONNECTION, JIRA_SECRET, VersionedEvent, VersionedSource, max_versions
from tests.webhooks_reliability.receiver import ReceiverProcess
from tests.webhooks_reliability.sender import SendReport

__all__ = [
    "CONTROL_RECEIVER",
    "REAL_RECEIVER",
    "Outcome",
    "check_delivered_and_converged",
    "concurrent_processing",
    "receiver_env",
]

REAL_RECEIVER = "tests.webhooks_reliability.receiver_app:build_app"
CONTROL_RECEIVER = "tests.webhooks_reliability.receiver_app:build_ack_before_commit_app"


def receiver_env(database: Database) -> dict[str, str]:
    """Environment of a receiver subprocess on the test store, with the Jira connection registered."""
    connection_id = ensure_connection(database, **CONNECTION)
    return {
        "BATON_DATABASE_URL": database.engine.url.render_as_string(hide_password=False),
        "BATON_SECRET_KEYS": FERNET_KEY,
        "BATON_LOG_LEVEL": "WARNING",
        "RELIABILITY_CONNECTION_ID": str(connection_id),
        "RELIABILITY_JIRA_SECRET": JIRA_SECRET,
    }


def pending_count(database: Database) -> int:
    """Inbox rows not yet done (pending, processing or dead)."""
    with database.read_session() as session:
        query = select(func.count()).select_from(WEBHOOK_EVENTS).where(WEBHOOK_EVENTS.c.status != "done")
        return int(session.execute(query).scalar_one())


@contextmanager
def concurrent_processing(database: Database, source: VersionedSource) -> Iterator[InboxProcessor]:
    """The service's inbox worker thread, processing while the test delivers; stopped on exit."""
    processor = InboxProcessor(database, lambda _connection: source, policy=InboxPolicy(batch_size=200))
    worker = InboxWorker(processor, idle_seconds=0.05)
    worker.start()
    try:
        yield processor
    finally:
        worker.stop(timeout=120)


def drained(database: Database, *, timeout: float = 180.0) -> None:
    """Wait until every inbox row is done."""
    wait_for(lambda: True if pending_count(database) == 0 else None, timeout=timeout, interval=0.2)


@dataclass(frozen=True)
class Outcome:
    """What a delivery run left behind, read back from the store."""

    sent_events: int
    inbox_ids: list[str]
    not_done: int
    max_attempts: int
    items_at: dict[str, str]
    totals: ProcessOutcome

    @property
    def lost(self) -> int:
        """Events acknowledged to the sender but absent from the inbox."""
        return self.sent_events - len(set(self.inbox_ids))


def read_outcome(database: Database, events: Sequence[VersionedEvent], processor: InboxProcessor) -> Outcome:
    """Read the inbox and the items after processing."""
    with database.read_session() as session:
        inbox = session.execute(
            select(WEBHOOK_EVENTS.c.delivery_id, WEBHOOK_EVENTS.c.status, WEBHOOK_EVENTS.c.attempts)
        ).all()
        items = dict(session.execute(select(ITEMS.c.external_id, ITEMS.c.source_version)).all())
    return Outcome(
        sent_events=len(events),
        inbox_ids=[row[0] for row in inbox],
        not_done=sum(1 for row in inbox if row[1] != "done"),
        max_attempts=max((int(row[2]) for row in inbox), default=0),
        items_at=items,
        totals=processor.totals,
    )


def check_delivered_and_converged(events: Sequence[VersionedEvent], report: SendReport, outcome: Outcome) -> None:
    """W7/W8 criteria: every event acked, inbox = the unique events (0 lost, 0 extra), each processed once,
    every issue at its newest version. Raises ``AssertionError`` naming what failed."""
    expected_ids = {event.delivery_id for event in events}
    assert report.given_up == [], f"{len(report.given_up)} deliveries never acked"
    assert set(report.acked) == expected_ids, "some events were never acked"
    missing = expected_ids - set(outcome.inbox_ids)
    assert not missing, f"{len(missing)} acked events lost (absent from the inbox), e.g. {sorted(missing)[:3]}"
    assert len(outcome.inbox_ids) == len(expected_ids), "the inbox holds duplicates or events never sent"
    assert set(outcome.inbox_ids) == expected_ids
    assert outcome.not_done == 0, f"{outcome.not_done} inbox rows not processed"
    assert outcome.max_attempts == 1, "an inbox row was processed more than once"
    assert outcome.totals.applied + outcome.totals.stale_skipped == len(expected_ids), outcome.totals
    newest = max_versions(list(events))
    behind = {
        external_id
        for external_id, version in newest.items()
        if outcome.items_at.get(external_id) != f"{int(external_id) * 100 + version:020d}"
    }
    assert not behind, f"{len(behind)} of {len(newest)} issues not at their newest version"
    assert set(outcome.items_at) == set(newest)


def progress_killer(receiver: ReceiverProcess, acked: Callable[[], int], thresholds: Sequence[int]) -> threading.Thread:
    """A thread that ``kill -9``s the receiver when ``acked()`` passes each threshold, restarting it each time."""

    def run() -> None:
        for threshold in thresholds:
            wait_for(lambda: True if acked() >= threshold else None, timeout=600, interval=0.02)  # noqa: B023
            receiver.kill()
            receiver.start()

    thread = threading.Thread(target=run, name="receiver-killer", daemon=True)
    thread.start()
    return thread
