"""W9: out-of-order versions. Each of 1,000 issues gets versions 10..1 (reversed), and versions 2k-1 and 2k
share ``updated`` (only the changelog id orders them). Every re-read returns exactly the version its
delivery announced (the worst case: a read replica lagging behind), so the store sees every version, newest
first.

Pass: every issue ends at version 10; the stale-skip counter is exactly 9,000; the tie-break is the changelog
id, deterministically (the same final rows whichever of two tied versions arrives first).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from api.webhooks.inbox import store_deliveries
from connectors.records import WebhookDelivery
from models.db import Database
from models.tables import ITEMS
from sync.inbox import InboxPolicy, InboxProcessor
from sync.store import ensure_connection
from tests.webhooks_reliability.events import CONNECTION, VersionedEvent, VersionedSource, item_at, jira_event_set

pytestmark = [pytest.mark.reliability]

ENTITIES = 1_000
VERSIONS = 10
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def versions_in_store(database: Database) -> dict[str, tuple[datetime, str]]:
    with database.read_session() as session:
        rows = session.execute(select(ITEMS.c.external_id, ITEMS.c.source_updated_at, ITEMS.c.source_version))
        return {external_id: (updated, version) for external_id, updated, version in rows}


def deliver_layer(database: Database, connection_id: int, layer: list[VersionedEvent], at: datetime) -> None:
    deliveries = tuple(WebhookDelivery(e.delivery_id, "jira:issue_updated", e.external_id) for e in layer)
    store_deliveries(database, source="jira", connection_id=connection_id, deliveries=deliveries, body=b"{}", now=at)


def process_in_order(database: Database, events: list[VersionedEvent], order: list[int]) -> InboxProcessor:
    """Deliver the events version by version in ``order``; process each layer with the re-read at that version."""
    connection_id = ensure_connection(database, **CONNECTION)
    source = VersionedSource(events, tied=True)
    processor = InboxProcessor(
        database, lambda _connection: source, policy=InboxPolicy(batch_size=ENTITIES), clock=lambda: NOW
    )
    by_version = {v: [e for e in events if e.version == v] for v in order}
    for position, version in enumerate(order):
        deliver_layer(database, connection_id, by_version[version], NOW - timedelta(seconds=len(order) - position))
        for event in by_version[version]:
            source.serve(event.external_id, version)
        step = processor.run_once()
        assert (step.claimed, step.done) == (len(by_version[version]), len(by_version[version]))
    return processor


def test_w9_reversed_versions_with_tied_updates_end_at_the_newest(database: Database) -> None:
    events = jira_event_set(ENTITIES, VERSIONS, tied=True)
    processor = process_in_order(database, events, list(range(VERSIONS, 0, -1)))
    totals = processor.totals
    print(f"\nW9 ({database.dialect}): applied {totals.applied}, stale-skipped {totals.stale_skipped}")
    assert totals.stale_skipped == ENTITIES * (VERSIONS - 1) == 9_000
    assert totals.applied == ENTITIES
    stored = versions_in_store(database)
    assert len(stored) == ENTITIES
    newest = {e.external_id: e for e in events if e.version == VERSIONS}
    at_newest = [eid for eid, (_updated, version) in stored.items() if version == f"{int(eid) * 100 + VERSIONS:020d}"]
    assert len(at_newest) == len(newest) == ENTITIES  # 100 %


def test_w9_tied_updates_break_by_changelog_id_whichever_arrives_first(database: Database) -> None:
    entities = ENTITIES // 10
    events = jira_event_set(entities, 2, tied=True)  # versions 1 and 2 share `updated`
    assert len({item_at(e.external_id, e.version, tied=True).updated_at for e in events}) == 1
    forward = process_in_order(database, events, [1, 2])  # the older changelog id first: the newer replaces it
    assert (forward.totals.applied, forward.totals.stale_skipped) == (2 * entities, 0)
    after_forward = versions_in_store(database)
    assert {version for _updated, version in after_forward.values()} == {
        f"{int(e.external_id) * 100 + 2:020d}" for e in events if e.version == 2
    }

    with database.session() as session:  # start again, and deliver the newer changelog id first
        session.execute(ITEMS.delete())
        session.commit()
    again = [VersionedEvent(e.external_id, e.version, e.delivery_id + "-again", e.body) for e in events]
    backward = process_in_order(database, again, [2, 1])
    assert (backward.totals.applied, backward.totals.stale_skipped) == (entities, entities)
    assert versions_in_store(database) == after_forward
