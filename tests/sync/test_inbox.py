"""Inbox processing on both dialects: apply, tombstone, W12 poison events, leases, concurrent claims, replay."""

from __future__ import annotations

import itertools
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from api.webhooks.inbox import store_deliveries
from connectors.records import WebhookDelivery
from models.db import Database
from models.tables import ITEMS, WEBHOOK_EVENTS
from sync.inbox import InboxPolicy, InboxProcessor, claim_events, replay_dead_letters
from sync.store import ensure_connection
from tests.sync.synthetic import SyntheticSource


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


class PoisonedSource(SyntheticSource):
    """Fetching the poisoned ids always fails."""

    def __init__(self) -> None:
        super().__init__(containers=1, items_per_container=20)
        self.poisoned: set[str] = set()

    def fetch(self, external_id: str):  # type: ignore[no-untyped-def]
        if external_id in self.poisoned:
            raise RuntimeError(f"cannot map {external_id}")
        return super().fetch(external_id)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def connection_id(database: Database) -> int:
    return ensure_connection(database, name="jira", vendor="jira", base_url="http://127.0.0.1:8101")


def deliver(database: Database, connection_id: int, entity: str, delivery: str, now: datetime) -> None:
    store_deliveries(
        database,
        source="jira",
        connection_id=connection_id,
        deliveries=(WebhookDelivery(delivery, "jira:issue_updated", entity),),
        body=b"{}",
        now=now,
    )


def statuses(database: Database) -> dict[str, str]:
    with database.read_session() as session:
        return dict(session.execute(select(WEBHOOK_EVENTS.c.delivery_id, WEBHOOK_EVENTS.c.status)).all())


def test_events_are_applied_once_per_entity(database: Database, connection_id: int, clock: Clock) -> None:
    source = PoisonedSource()
    for n, entity in enumerate(["0-0001", "0-0001", "0-0002"]):
        deliver(database, connection_id, entity, f"d{n}", clock.now)
    outcome = InboxProcessor(database, lambda _: source, clock=clock).drain()
    assert (outcome.claimed, outcome.done) == (3, 3)
    assert len(outcome.changed_item_ids) == 2
    assert set(statuses(database).values()) == {"done"}
    with database.read_session() as session:
        assert set(session.execute(select(ITEMS.c.external_id)).scalars()) == {"0-0001", "0-0002"}


def test_an_entity_gone_from_its_tool_is_tombstoned(database: Database, connection_id: int, clock: Clock) -> None:
    source = PoisonedSource()
    deliver(database, connection_id, "0-0003", "d1", clock.now)
    InboxProcessor(database, lambda _: source, clock=clock).drain()
    del source.items["0-0003"]
    deliver(database, connection_id, "0-0003", "d2", clock.now)
    InboxProcessor(database, lambda _: source, clock=clock).drain()
    with database.read_session() as session:
        assert session.execute(select(ITEMS.c.deleted_at)).scalar_one() == clock.now


@pytest.mark.reliability
def test_w12_a_poison_event_dead_letters_after_exactly_five_attempts(
    database: Database, connection_id: int, clock: Clock
) -> None:
    source = PoisonedSource()
    source.poisoned.add("0-0004")
    deliver(database, connection_id, "0-0004", "poison", clock.now)
    deliver(database, connection_id, "0-0005", "healthy", clock.now)
    processor = InboxProcessor(database, lambda _: source, clock=clock, policy=InboxPolicy(base_delay_seconds=10))
    first = processor.run_once()
    assert (first.done, first.retried) == (1, 1)  # the healthy event is not held up
    delays = []
    for _attempt in range(2, 6):
        with database.read_session() as session:
            due = session.execute(
                select(WEBHOOK_EVENTS.c.next_attempt_at).where(WEBHOOK_EVENTS.c.delivery_id == "poison")
            ).scalar_one()
        delays.append((due - clock.now).total_seconds())
        assert processor.run_once().claimed == 0  # not due yet: the back-off holds
        clock.now = due
        step = processor.run_once()
        assert step.claimed == 1
    assert step.dead == 1
    assert statuses(database)["poison"] == "dead"
    assert all(later > earlier for earlier, later in itertools.pairwise(delays))
    with database.read_session() as session:
        attempts, error = session.execute(
            select(WEBHOOK_EVENTS.c.attempts, WEBHOOK_EVENTS.c.last_error).where(
                WEBHOOK_EVENTS.c.delivery_id == "poison"
            )
        ).one()
    assert attempts == 5
    assert "cannot map 0-0004" in error

    source.poisoned.clear()  # fixed; replay re-processes it once
    assert replay_dead_letters(database, now=clock.now) == 1
    assert processor.drain().done == 1
    assert statuses(database)["poison"] == "done"


@pytest.mark.reliability
def test_a_lease_left_by_a_dead_worker_is_picked_up_again(database: Database, connection_id: int, clock: Clock) -> None:
    deliver(database, connection_id, "0-0006", "d1", clock.now)
    policy = InboxPolicy(lease_seconds=60)
    assert len(claim_events(database, now=clock.now, policy=policy)) == 1  # this worker "dies" here
    assert claim_events(database, now=clock.now + timedelta(seconds=30), policy=policy) == []
    clock.now += timedelta(seconds=61)
    source = PoisonedSource()
    assert InboxProcessor(database, lambda _: source, clock=clock, policy=policy).drain().done == 1


@pytest.mark.reliability
def test_concurrent_workers_claim_disjoint_rows(database: Database, connection_id: int, clock: Clock) -> None:
    for n in range(400):
        deliver(database, connection_id, f"0-{n % 20:04d}", f"d{n}", clock.now)
    claimed: list[list[int]] = []
    barrier = threading.Barrier(4)

    def worker() -> None:
        barrier.wait()
        mine: list[int] = []
        while batch := claim_events(database, now=clock.now, policy=InboxPolicy(batch_size=25)):
            mine += [event.id for event in batch]
        claimed.append(mine)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    every = [event_id for mine in claimed for event_id in mine]
    assert len(every) == 400
    assert len(set(every)) == 400
