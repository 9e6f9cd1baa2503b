"""The Asana connector against its emulator through the engine: sync tokens (P10), deletions (P11)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import select

from connectors.asana import AsanaConnector
from connectors.asana.connector import SYNC_CURSOR
from models.db import Database
from models.tables import ITEMS
from sync.engine import SyncReport, run_sync
from sync.store import ensure_connection, load_cursors
from tests.connectors.conformance import normalise_for_compare
from tests.connectors.harness_asana import HARNESS, RunningAsana
from tests.connectors.test_conformance import stored_items
from tests.digest import store_digest

ITEMS_PER_RUN = 300


@pytest.fixture
def asana() -> Iterator[RunningAsana]:
    with HARNESS.running(seed=5, items=ITEMS_PER_RUN) as running:
        yield running


def sync(
    database: Database, running: RunningAsana, *, full: bool, census: bool = True
) -> tuple[SyncReport, AsanaConnector]:
    connection_id = ensure_connection(database, name="asana", vendor="asana", base_url=running.url)
    connector = AsanaConnector(running.config)
    report = run_sync(
        database,
        connection_id=connection_id,
        vendor=running.config.vendor,
        connector=connector,
        full=full,
        census=census,
    )
    assert report.status == "succeeded", report.errors
    return report, connector


def projects(running: RunningAsana) -> list[str]:
    return [running.context.catalog.project_gid(team.index) for team in running.context.catalog.teams]


def test_a_full_sync_stores_one_sync_token_per_project_from_the_first_412(
    database: Database, asana: RunningAsana
) -> None:
    sync(database, asana, full=True)
    cursors = load_cursors(database, ensure_connection(database, name="asana", vendor="asana", base_url=asana.url))
    assert {scope for scope, name in cursors if name == SYNC_CURSOR} == set(projects(asana))


def test_an_increment_reads_only_what_the_events_name(database: Database, asana: RunningAsana) -> None:
    sync(database, asana, full=True)
    asana.mutate(8, seed=3)
    report, connector = sync(database, asana, full=False, census=False)
    assert normalise_for_compare(stored_items(database)) == normalise_for_compare(asana.expected_items())
    assert report.items_changed + report.items_deleted >= 8
    # Per project: events (one page) + a task and its stories per touched task; no crawl.
    assert connector.requests_made < 11 + 4 * 2 + 8 * 2 + 8


@pytest.mark.reliability
def test_an_expired_sync_token_re_crawls_the_project_p10(database: Database, asana: RunningAsana) -> None:
    sync(database, asana, full=True)
    asana.mutate(12, seed=4)
    with httpx.Client(base_url=asana.url) as control:
        control.post("/_emulator/clock", json={"advance_seconds": 24 * 3600 + 60}).raise_for_status()
    report, _ = sync(database, asana, full=False)  # a re-crawl cannot see deletions: the census does
    assert report.items_seen >= ITEMS_PER_RUN - 12  # every project crawled again, not skipped
    assert normalise_for_compare(stored_items(database)) == normalise_for_compare(asana.expected_items())
    digest = store_digest(database)
    # The fresh tokens from the 412 bodies were stored: the next increment is quiet.
    again, _ = sync(database, asana, full=False, census=False)
    assert again.items_seen == 0
    assert store_digest(database) == digest


def live_ids(database: Database) -> set[str]:
    with database.read_session() as session:
        return set(session.execute(select(ITEMS.c.external_id).where(ITEMS.c.deleted_at.is_(None))).scalars())


@pytest.mark.reliability
def test_deletions_without_webhooks_are_tombstoned_by_one_census_p11(database: Database, asana: RunningAsana) -> None:
    sync(database, asana, full=True)
    victims = sorted(live_ids(database))[::100][:3]
    with asana.api() as api:
        for gid in victims:
            api.delete(f"/tasks/{gid}").raise_for_status()
    report, _ = sync(database, asana, full=True)  # a crawl: no events consulted, only the census sees them
    assert report.items_deleted == len(victims)
    assert live_ids(database) == set(asana.expected_items())


@pytest.mark.reliability
def test_deleted_events_tombstone_without_waiting_for_the_census(database: Database, asana: RunningAsana) -> None:
    sync(database, asana, full=True)
    victim = sorted(live_ids(database))[7]
    with asana.api() as api:
        api.delete(f"/tasks/{victim}").raise_for_status()
    report, _ = sync(database, asana, full=False, census=False)
    assert report.items_deleted == 1
    assert victim not in live_ids(database)


def test_fetch_answers_none_for_a_deleted_task(asana: RunningAsana) -> None:
    connector = AsanaConnector(asana.config)
    gid = next(iter(asana.expected_items()))
    assert connector.fetch(gid) is not None
    with asana.api() as api:
        api.delete(f"/tasks/{gid}").raise_for_status()
    assert connector.fetch(gid) is None
