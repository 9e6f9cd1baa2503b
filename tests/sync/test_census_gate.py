"""The census gate: an incremental sync skips a container's id census when a one-request count matches the store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from connectors.records import Batch, ContainerIn
from models.db import Database
from models.enums import SyncStatus, Vendor
from models.tables import ITEMS
from sync.engine import CENSUS_MAX_AGE, SyncReport, run_sync
from sync.store import StoreWriter, ensure_connection
from tests.sync.synthetic import SyntheticSource

NOW = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)


@pytest.fixture
def connection_id(database: Database) -> int:
    return ensure_connection(database, name="synthetic", vendor="jira", base_url="http://127.0.0.1:1")


def sync(
    database: Database, connection_id: int, source: SyntheticSource, *, full: bool = False, now: datetime = NOW
) -> SyncReport:
    return run_sync(
        database, connection_id=connection_id, vendor=Vendor.JIRA, connector=source, full=full, clock=lambda: now
    )


def live_ids(database: Database) -> set[str]:
    with database.read_session() as session:
        return set(session.execute(select(ITEMS.c.external_id).where(ITEMS.c.deleted_at.is_(None))).scalars())


@pytest.fixture
def counting_source(database: Database, connection_id: int) -> SyntheticSource:
    source = SyntheticSource()
    sync(database, connection_id, source, full=True)
    source.reports_counts = True
    source.census_calls = 0
    return source


def test_matching_counts_skip_the_id_census(
    database: Database, connection_id: int, counting_source: SyntheticSource
) -> None:
    counting_source.put("0-0003", "100", title="renamed")
    report = sync(database, connection_id, counting_source)
    assert report.status == SyncStatus.SUCCEEDED
    assert counting_source.count_calls == 2
    assert counting_source.census_calls == 0
    assert live_ids(database) == set(counting_source.items)


def test_a_deletion_changes_the_count_and_the_census_finds_it(
    database: Database, connection_id: int, counting_source: SyntheticSource
) -> None:
    del counting_source.items["1-0007"]
    report = sync(database, connection_id, counting_source)
    assert counting_source.census_calls == 1  # only the container whose count moved
    assert report.items_deleted == 1
    assert live_ids(database) == set(counting_source.items)


def test_a_deletion_and_a_creation_in_one_cycle_are_both_seen(
    database: Database, connection_id: int, counting_source: SyntheticSource
) -> None:
    del counting_source.items["0-0010"]
    counting_source.put("0-9999", "100")
    sync(database, connection_id, counting_source)
    assert live_ids(database) == set(counting_source.items)
    assert "0-0010" not in live_ids(database)


def test_a_count_that_is_off_hides_a_deletion_only_until_the_ids_are_read_again(
    database: Database, connection_id: int, counting_source: SyntheticSource
) -> None:
    counting_source.count_error = {"100": 1}  # the vendor's count of one project is one too high ...
    del counting_source.items["0-0004"]  # ... so after this deletion it still matches the store
    sync(database, connection_id, counting_source, now=NOW + timedelta(hours=1))
    assert counting_source.census_calls == 0
    assert "0-0004" in live_ids(database)
    later = NOW + CENSUS_MAX_AGE + timedelta(minutes=1)
    report = sync(database, connection_id, counting_source, now=later)
    assert counting_source.census_calls == 2  # the last full read is too old: both containers read their ids
    assert report.items_deleted == 1
    assert live_ids(database) == set(counting_source.items)


def test_without_a_recorded_full_read_the_ids_are_read(database: Database, connection_id: int) -> None:
    source = SyntheticSource()
    source.reports_counts = True
    sync(database, connection_id, source)  # an incremental first run: no census time stored yet
    assert source.census_calls == 2
    assert source.count_calls == 0


def test_a_full_sync_always_reads_the_ids(
    database: Database, connection_id: int, counting_source: SyntheticSource
) -> None:
    sync(database, connection_id, counting_source, full=True)
    assert counting_source.census_calls == 2
    assert counting_source.count_calls == 0


def test_a_container_no_census_covers_is_still_compared_item_by_item(
    database: Database, connection_id: int, counting_source: SyntheticSource
) -> None:
    """Counts of the containers still discovered match, so their ids are not read; the items of a container that
    left discovery are compared all the same, and all of them vanishing is held by the mass-disappearance guard."""
    dropped = counting_source.containers.pop()
    for external_id in [i for i, item in counting_source.items.items() if item.container_external_id == "101"]:
        del counting_source.items[external_id]
    report = sync(database, connection_id, counting_source)
    assert (counting_source.count_calls, counting_source.census_calls) == (1, 0)
    assert report.items_deleted == 0
    assert sum(1 for i in live_ids(database) if i.startswith("1-")) == 50  # kept, and reported instead
    assert dropped.external_id == "101"


def test_a_move_and_a_deletion_read_only_the_ids_of_the_container_that_shrank(database: Database) -> None:
    """The pull stores the move first, so the counts of both projects the item moved between match again."""
    connection = ensure_connection(database, name="three", vendor="jira", base_url="http://127.0.0.1:1")
    source = SyntheticSource(containers=3)
    sync(database, connection, source, full=True)
    source.reports_counts, source.census_calls = True, 0
    source.put("0-0001", "101")  # moved from the first project to the second
    del source.items["0-0002"]
    report = sync(database, connection, source)
    assert (source.count_calls, source.census_calls) == (3, 1)
    assert report.items_deleted == 1
    assert live_ids(database) == set(source.items)


class _WebhookDuringCensus(SyntheticSource):
    """After the census of project 100 has listed its ids, a new item is created there and a webhook stores it."""

    def __init__(self, database: Database, connection_id: int) -> None:
        super().__init__()
        self.database, self.connection_id = database, connection_id

    def census(self, container: ContainerIn) -> set[str]:
        listed = super().census(container)
        if container.external_id == "100":
            self.put("0-0777", "100")
            writer = StoreWriter(self.database, self.connection_id, Vendor.JIRA, clock=lambda: NOW)
            writer.apply_batch(Batch(items=(self.items["0-0777"],)))
        return listed


def test_an_item_a_webhook_stores_during_the_census_is_not_judged_by_it(database: Database, connection_id: int) -> None:
    source = _WebhookDuringCensus(database, connection_id)
    report = sync(database, connection_id, source, full=True)
    assert report.items_deleted == 0
    assert "0-0777" in live_ids(database)
    assert live_ids(database) == set(source.items)
