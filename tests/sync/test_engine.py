"""The sync engine's orchestration on both dialects: P8 (idempotent rerun), P11 (deletions), failures."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from connectors.base import Connector
from models.db import Database
from models.enums import SyncStatus, Vendor
from models.tables import FINDINGS, ITEMS, RUNS
from sync.engine import run_sync
from sync.store import ensure_connection
from tests.digest import store_digest
from tests.sync.synthetic import SyntheticSource

NOW = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)


@pytest.fixture
def connection_id(database: Database) -> int:
    return ensure_connection(database, name="synthetic", vendor="jira", base_url="http://127.0.0.1:1")


def sync(database: Database, connection_id: int, source: SyntheticSource, *, full: bool = False):  # type: ignore[no-untyped-def]
    return run_sync(
        database, connection_id=connection_id, vendor=Vendor.JIRA, connector=source, full=full, clock=lambda: NOW
    )


def live_ids(database: Database) -> set[str]:
    with database.read_session() as session:
        return set(session.execute(select(ITEMS.c.external_id).where(ITEMS.c.deleted_at.is_(None))).scalars())


def test_the_synthetic_source_is_a_connector() -> None:
    assert isinstance(SyntheticSource(), Connector)


def test_full_sync_stores_everything_and_records_the_run(database: Database, connection_id: int) -> None:
    source = SyntheticSource()
    report = sync(database, connection_id, source, full=True)
    assert report.status == SyncStatus.SUCCEEDED
    assert (report.items_seen, report.items_changed, report.pages) == (100, 100, 5)
    assert live_ids(database) == set(source.items)
    with database.read_session() as session:
        run = session.execute(select(RUNS)).one()
    assert (run.status, run.kind, run.items_changed, run.finished_at is not None) == ("succeeded", "full", 100, True)


@pytest.mark.reliability
def test_p8_a_second_full_sync_changes_no_row(database: Database, connection_id: int) -> None:
    source = SyntheticSource()
    sync(database, connection_id, source, full=True)
    digest = store_digest(database)
    with database.read_session() as session:
        stamps = dict(session.execute(select(ITEMS.c.external_id, ITEMS.c.updated_at)).all())
    again = sync(database, connection_id, source, full=True)
    assert again.items_changed == 0
    assert again.items_deleted == 0
    assert store_digest(database) == digest
    with database.read_session() as session:
        assert dict(session.execute(select(ITEMS.c.external_id, ITEMS.c.updated_at)).all()) == stamps


def test_incremental_sync_reads_only_what_changed(database: Database, connection_id: int) -> None:
    source = SyntheticSource()
    sync(database, connection_id, source, full=True)
    source.put("0-0003", "100", status_raw="In Progress")
    source.put("1-0007", "101", title="Renamed")
    report = sync(database, connection_id, source)
    assert (report.items_seen, report.items_changed) == (2, 2)


@pytest.mark.reliability
def test_p11_vanished_items_are_tombstoned_in_one_cycle_and_come_back(database: Database, connection_id: int) -> None:
    source = SyntheticSource()
    sync(database, connection_id, source, full=True)
    gone = ["0-0001", "1-0002"]
    for external_id in gone:
        del source.items[external_id]
    report = sync(database, connection_id, source)
    assert report.items_deleted == 2
    assert live_ids(database) == set(source.items)
    source.put("0-0001", "100")  # restored in the tool
    sync(database, connection_id, source)
    assert "0-0001" in live_ids(database)


@pytest.mark.reliability
def test_mass_disappearance_tombstones_nothing_and_raises_a_finding(database: Database, connection_id: int) -> None:
    source = SyntheticSource()
    sync(database, connection_id, source, full=True)
    for external_id in [k for k in source.items if k.startswith("0-")][:30]:  # 60 % of container 100
        del source.items[external_id]
    report = sync(database, connection_id, source)
    assert report.items_deleted == 0
    assert len(live_ids(database)) == 100
    with database.read_session() as session:
        finding = session.execute(select(FINDINGS)).one()
    assert finding.rule_id == "SH03"
    assert "30 of 50 items" in finding.message
    assert finding.resolved_at is None


@pytest.mark.reliability
def test_an_incomplete_census_tombstones_nothing(database: Database, connection_id: int) -> None:
    source = SyntheticSource()
    sync(database, connection_id, source, full=True)
    del source.items["0-0001"]
    source.fail_census_after = 1  # the second container's census fails
    report = sync(database, connection_id, source)
    assert report.status == SyncStatus.PARTIAL
    assert report.items_deleted == 0
    assert "0-0001" in live_ids(database)


@pytest.mark.reliability
def test_a_failing_pull_keeps_what_was_stored_and_a_rerun_converges(database: Database, connection_id: int) -> None:
    source = SyntheticSource()
    source.fail_pull_after_pages = 2
    failed = sync(database, connection_id, source, full=True)
    assert failed.status == SyncStatus.FAILED
    assert "synthetic outage" in failed.errors[0]["message"]
    assert len(live_ids(database)) == 40
    source.fail_pull_after_pages = None
    resumed = sync(database, connection_id, source)
    assert resumed.items_seen == 60  # resumed from the cursor of the last stored page
    assert live_ids(database) == set(source.items)
    with database.read_session() as session:
        statuses = session.execute(select(RUNS.c.status).order_by(RUNS.c.id)).scalars().all()
        assert session.execute(select(func.count()).select_from(RUNS)).scalar_one() == 2
    assert statuses == ["failed", "succeeded"]


def test_a_successful_run_moves_the_connections_last_success(database: Database, connection_id: int) -> None:
    from models.tables import CONNECTIONS

    def last_success() -> object:
        with database.read_session() as session:
            return session.execute(
                select(CONNECTIONS.c.last_success_at).where(CONNECTIONS.c.id == connection_id)
            ).scalar_one()

    source = SyntheticSource()
    source.fail_pull_after_pages = 1
    assert sync(database, connection_id, source, full=True).status == SyncStatus.FAILED
    assert last_success() is None  # a failed run says nothing about freshness
    source.fail_pull_after_pages = None
    assert sync(database, connection_id, source).status == SyncStatus.SUCCEEDED
    assert last_success() == NOW
