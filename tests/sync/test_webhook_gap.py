"""The webhook gap an incremental sync records (sync/reconcile.py), on both dialects, with an injected clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from connectors.records import Batch
from models.db import Database
from models.enums import Vendor
from models.tables import FINDINGS, RUNS, WEBHOOK_EVENTS, WEBHOOK_SUBSCRIPTIONS
from sync.engine import SyncReport, run_sync
from sync.health import WEBHOOK_GAP
from sync.store import StoreWriter, ensure_connection
from tests.sync.synthetic import SyntheticSource

T0 = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)


class Clock:
    """Baton's clock, moved by the test."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, minutes: int = 10) -> datetime:
        self.now += timedelta(minutes=minutes)
        return self.now


def sync(
    database: Database, connection_id: int, source: SyntheticSource, clock: Clock, *, full: bool = False
) -> SyncReport:
    clock.advance()
    return run_sync(database, connection_id=connection_id, vendor=Vendor.JIRA, connector=source, full=full, clock=clock)


def subscribe(database: Database, connection_id: int, at: datetime, *, active: bool = True) -> None:
    with database.session() as session:
        session.execute(
            WEBHOOK_SUBSCRIPTIONS.insert().values(
                connection_id=connection_id,
                token=f"t{at.timestamp()}",
                callback_url="https://b/x",
                active=active,
                created_at=at,
            )
        )
        session.commit()


def received(database: Database, connection_id: int, entity: str, at: datetime, status: str) -> None:
    with database.session() as session:
        session.execute(
            WEBHOOK_EVENTS.insert().values(
                source="jira",
                connection_id=connection_id,
                delivery_id=f"{entity}@{at.isoformat()}",
                event_type="jira:issue_updated",
                entity_external_id=entity,
                body=b"{}",
                status=status,
                attempts=0,
                next_attempt_at=at,
                received_at=at,
            )
        )
        session.commit()


def open_gap(database: Database) -> list[tuple[str, dict[str, object]]]:
    with database.read_session() as session:
        return [
            (str(key), dict(details))
            for key, details in session.execute(
                select(FINDINGS.c.subject_key, FINDINGS.c.details).where(
                    FINDINGS.c.rule_id == WEBHOOK_GAP, FINDINGS.c.resolved_at.is_(None)
                )
            )
        ]


def test_only_covered_incremental_runs_are_judged_and_delivered_changes_are_no_gap(database: Database) -> None:
    clock = Clock()
    connection_id = ensure_connection(database, name="synthetic", vendor="jira", base_url="http://127.0.0.1:1")
    source = SyntheticSource(containers=1, items_per_container=20)
    assert sync(database, connection_id, source, clock, full=True).webhook_gaps is None
    source.put("0-0001", "100", title="changed before any webhook existed")
    assert sync(database, connection_id, source, clock).webhook_gaps is None  # no subscription: not judged

    subscribe(database, connection_id, clock.advance(1))
    subscribe(database, connection_id, clock.now - timedelta(days=1), active=False)  # deleted long ago: ignored
    source.put("0-0002", "100", title="changed between the last run and the subscription")
    assert sync(database, connection_id, source, clock).webhook_gaps is None  # window predates the webhooks
    window_start = clock.now

    source.put("0-0003", "100", title="webhook still in the inbox")
    received(database, connection_id, "0-0003", clock.advance(1), "pending")
    source.put("0-0004", "100", title="webhook processed before the sync")
    received(database, connection_id, "0-0004", clock.now, "done")
    StoreWriter(database, connection_id, Vendor.JIRA, clock=clock).apply_batch(Batch(items=(source.items["0-0004"],)))
    source.put("0-0005", "100", title="lost; an old delivery of the same item does not count")
    received(database, connection_id, "0-0005", window_start - timedelta(minutes=1), "done")
    source.put("0-0006", "100", title="lost")
    del source.items["0-0007"]  # deleted at the vendor, the deletion webhook lost: the census tombstones it

    report = sync(database, connection_id, source, clock)

    assert report.webhook_gaps == 3
    with database.read_session() as session:
        assert session.execute(select(RUNS.c.webhook_gaps).where(RUNS.c.id == report.run_id)).scalar_one() == 3
    assert open_gap(database) == [
        (str(connection_id), {"run_id": report.run_id, "gaps": 3, "sample": ["0-0005", "0-0006", "0-0007"]})
    ]

    source.put("0-0008", "100", title="lost as well")
    again = sync(database, connection_id, source, clock)
    assert again.webhook_gaps == 1
    assert open_gap(database)[0][1]["gaps"] == 1  # the one open finding, refreshed

    clean = sync(database, connection_id, source, clock)
    assert clean.webhook_gaps == 0
    assert open_gap(database) == []
    with database.read_session() as session:
        resolved = session.execute(select(FINDINGS.c.resolved_at).where(FINDINGS.c.rule_id == WEBHOOK_GAP)).scalar_one()
    assert resolved == clock.now


def test_full_syncs_are_not_judged(database: Database) -> None:
    clock = Clock()
    connection_id = ensure_connection(database, name="synthetic", vendor="jira", base_url="http://127.0.0.1:1")
    source = SyntheticSource(containers=1, items_per_container=5)
    subscribe(database, connection_id, clock.now)
    sync(database, connection_id, source, clock, full=True)
    source.put("0-0001", "100", title="x")
    assert sync(database, connection_id, source, clock, full=True).webhook_gaps is None
    assert open_gap(database) == []
