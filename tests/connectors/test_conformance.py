"""Every connector, against its emulator over real HTTP: the same checks for Jira, Trello and Asana."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from datetime import UTC
from pathlib import Path

import pytest
from sqlalchemy import select

from connectors.base import Connector
from connectors.factory import build_connector
from models.db import Database
from models.tables import ITEMS, LABELS
from sync.engine import run_sync
from sync.store import ensure_connection
from tests.connectors.conformance import (
    ExpectedItem,
    RunningVendor,
    VendorHarness,
    first_differences,
    normalise_for_compare,
)
from tests.digest import store_digest

HARNESSES: list[VendorHarness] = [
    importlib.import_module(f"tests.connectors.{path.stem}").HARNESS
    for path in sorted(Path(__file__).parent.glob("harness_*.py"))
]
ITEMS_PER_VENDOR = 400


@pytest.fixture(params=HARNESSES, ids=lambda h: str(h.vendor))
def running(request: pytest.FixtureRequest) -> Iterator[RunningVendor]:
    harness: VendorHarness = request.param
    with harness.running(seed=42, items=ITEMS_PER_VENDOR) as vendor:
        yield vendor


def stored_items(database: Database) -> dict[str, ExpectedItem]:
    with database.read_session() as session:
        rows = session.execute(select(ITEMS).where(ITEMS.c.deleted_at.is_(None))).mappings().all()
        labels: dict[int, set[str]] = {}
        for item_id, label in session.execute(select(LABELS.c.work_item_id, LABELS.c.label)):
            labels.setdefault(item_id, set()).add(label)
        containers = dict(session.execute(select_container_ids()).all())
    return {
        row["external_id"]: ExpectedItem(
            external_id=row["external_id"],
            status_category=row["status_category"],
            assignee_external_id=row["assignee_external_id"],
            estimate=row["estimate"],
            parent_external_id=row["parent_external_id"],
            sprint_external_id=row["sprint_external_id"],
            due=row["due"],
            labels=frozenset(labels.get(row["id"], set())),
            container_external_id=containers.get(row["container_id"]),
        )
        for row in rows
    }


def select_container_ids():  # type: ignore[no-untyped-def]
    from models.tables import CONTAINERS

    return select(CONTAINERS.c.id, CONTAINERS.c.external_id)


def sync(database: Database, vendor: RunningVendor, connector: Connector, *, full: bool):  # type: ignore[no-untyped-def]
    connection_id = ensure_connection(
        database, name=vendor.config.name, vendor=str(vendor.config.vendor), base_url=vendor.config.base_url
    )
    return run_sync(database, connection_id=connection_id, vendor=vendor.config.vendor, connector=connector, full=full)


def test_check_and_discover(running: RunningVendor) -> None:
    connector = build_connector(running.config)
    assert isinstance(connector, Connector)
    assert connector.check()
    discovery = connector.discover()
    assert discovery.containers
    assert discovery.people
    assert any(person.email for person in discovery.people)
    assert discovery.statuses


def test_full_pull_yields_every_item_once_with_aware_times(running: RunningVendor) -> None:
    connector = build_connector(running.config)
    seen: list[str] = []
    for batch in connector.pull({}, full=True):
        for item in batch.items:
            assert item.updated_at.tzinfo is not None
            assert item.updated_at.utcoffset() == UTC.utcoffset(None)
            seen.append(item.external_id)
    assert len(seen) == len(set(seen))
    assert set(seen) == set(running.expected_items())


def test_full_sync_stores_the_emulator_state_item_by_item(database: Database, running: RunningVendor) -> None:
    report = sync(database, running, build_connector(running.config), full=True)
    assert report.status == "succeeded", report.errors
    expected = normalise_for_compare(running.expected_items())
    actual = normalise_for_compare(stored_items(database))
    assert actual == expected, "\n".join(first_differences(expected, actual))


def test_a_second_full_sync_changes_nothing(database: Database, running: RunningVendor) -> None:
    sync(database, running, build_connector(running.config), full=True)
    digest = store_digest(database)
    again = sync(database, running, build_connector(running.config), full=True)
    assert again.items_changed == 0
    assert again.items_deleted == 0
    assert store_digest(database) == digest


def test_incremental_sync_after_vendor_changes_converges(database: Database, running: RunningVendor) -> None:
    sync(database, running, build_connector(running.config), full=True)
    running.mutate(60, seed=7)
    report = sync(database, running, build_connector(running.config), full=False)
    assert report.status == "succeeded", report.errors
    expected = normalise_for_compare(running.expected_items())
    actual = normalise_for_compare(stored_items(database))
    assert actual == expected, "\n".join(first_differences(expected, actual))


def test_fetch_and_census_agree_with_the_pull(running: RunningVendor) -> None:
    connector = build_connector(running.config)
    discovery = connector.discover()
    pulled = {item.external_id: item for batch in connector.pull({}, full=True) for item in batch.items}
    some = sorted(pulled)[:: max(1, len(pulled) // 10)]
    for external_id in some:
        fetched = connector.fetch(external_id)
        assert fetched is not None
        assert (fetched.status_category, fetched.updated_at, fetched.version) == (
            pulled[external_id].status_category,
            pulled[external_id].updated_at,
            pulled[external_id].version,
        )
    census: set[str] = set()
    for container in discovery.containers:
        census |= connector.census(container)
    assert census == set(pulled)


def test_a_full_sync_stays_within_five_percent_of_the_minimum_requests(
    database: Database, running: RunningVendor
) -> None:
    connector = build_connector(running.config)
    sync(database, running, connector, full=True)
    assert connector.requests_made <= running.minimum_full_sync_requests() * 1.05 + 1
