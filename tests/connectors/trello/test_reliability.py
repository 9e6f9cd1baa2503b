"""Reliability of the Trello connector against the emulator: P3 self-throttling, P4 faults, P11 deletions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import httpx
import pytest

import models
from connectors.config import ConnectorConfig
from connectors.trello.connector import TrelloConnector
from emulators.trello.ratelimit import TrelloLimits as EmulatorLimits
from models.db import Database
from models.enums import SyncStatus
from sync.store import ensure_connection, load_cursors
from tests.connectors.conformance import first_differences, normalise_for_compare
from tests.connectors.harness_trello import HARNESS, RunningTrello
from tests.connectors.test_conformance import stored_items, sync
from tests.digest import store_digest

pytestmark = pytest.mark.reliability


def empty_store(database: Database) -> None:
    with database.engine.begin() as connection:
        for table in reversed(models.metadata.sorted_tables):
            connection.execute(table.delete())


def cursors_of(database: Database, vendor: RunningTrello) -> dict[tuple[str, str], str]:
    connection_id = ensure_connection(
        database, name=vendor.config.name, vendor=str(vendor.config.vendor), base_url=vendor.config.base_url
    )
    return load_cursors(database, connection_id)


def assert_store_matches(database: Database, vendor: RunningTrello) -> None:
    expected = normalise_for_compare(vendor.expected_items())
    actual = normalise_for_compare(stored_items(database))
    assert actual == expected, "\n".join(first_differences(expected, actual))


def test_p3_self_throttling_keeps_429s_under_one_percent_and_never_locks_out() -> None:
    """A few thousand cards read in small pages (hundreds of requests) against Trello's real limits.

    Time is the emulator's frozen clock, which the connector's waits advance: no real sleeping.
    """
    with HARNESS.running(seed=3, items=3000, rate_limit=True, emulator_limits=EmulatorLimits()) as vendor:
        started = vendor.ctx.runtime.clock.timestamp()
        connector = TrelloConnector(vendor.config, page_limit=100)
        discovery = connector.discover()
        pulled = {item.external_id for batch in connector.pull({}, full=True) for item in batch.items}
        census: set[str] = set()
        for container in discovery.containers:
            if container.parent_external_id is None:
                census |= connector.census(container)
        assert pulled == census == set(vendor.expected_items())
        stats = connector.api.caller.stats
        refused = stats.by_status.get(429, 0)
        assert connector.requests_made > 200  # over twice the token's 100 per 10 s
        assert refused <= 0.01 * connector.requests_made
        assert refused < EmulatorLimits().lockout_after  # so no window can reach the 200-refusal lockout
        assert vendor.ctx.runtime.rate_limit.rejected == refused
        # The gates held the connector to <= 90 per 10 s of (emulated) time: it had to wait that long.
        elapsed = vendor.ctx.runtime.clock.timestamp() - started
        assert elapsed >= 10 * (connector.requests_made // 90 - 1)


FAULTS = "429=0.04,500=0.03,502=0.02,503=0.02,504=0.02,reset=0.01,truncate=0.03,invalid=0.03,timeout=0.004"


def test_p4_a_sync_through_faults_stores_exactly_what_a_clean_sync_stores(database: Database) -> None:
    with HARNESS.running(seed=9, items=400, faults=FAULTS, timeout_seconds=1.0) as vendor:
        connector = TrelloConnector(vendor.config)
        report = sync(database, vendor, connector, full=True)
        assert report.status == SyncStatus.SUCCEEDED, report.errors
        assert sum(vendor.ctx.runtime.faults.injected.values()) > 0
        assert connector.api.caller.stats.retries > 0
        faulty_digest, faulty_cursors = store_digest(database), cursors_of(database, vendor)
        vendor.set_faults("")
        empty_store(database)
        clean = sync(database, vendor, TrelloConnector(vendor.config), full=True)
        assert clean.status == SyncStatus.SUCCEEDED
        assert store_digest(database) == faulty_digest
        assert cursors_of(database, vendor) == faulty_cursors
        assert_store_matches(database, vendor)


class CorruptingTransport(httpx.BaseTransport):
    """Real HTTP, but answers whose path matches come back truncated or as HTML with a 200."""

    def __init__(self, matches: Callable[[str], bool], mode: str) -> None:
        self.inner = httpx.HTTPTransport()
        self.matches = matches
        self.mode = mode
        self.corrupted = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if not self.matches(request.url.path):
            return response
        body = response.read()
        self.corrupted += 1
        broken = body[: len(body) // 2] if self.mode == "truncate" else b"<html><body>Back soon</body></html>"
        return httpx.Response(200, headers={"content-type": "application/json"}, content=broken)


@pytest.mark.parametrize("mode", ["truncate", "invalid"])
@pytest.mark.parametrize(
    "where",
    [
        pytest.param(lambda path: path.endswith("/actions"), id="actions-pages"),
        # Touched cards are read from the board's card pages (a card that left the board by id).
        pytest.param(lambda path: "/cards" in path, id="card-rereads"),
    ],
)
def test_p4_broken_json_never_advances_a_cursor(database: Database, mode: str, where: Callable[[str], bool]) -> None:
    with HARNESS.running(seed=4, items=400) as vendor:
        assert sync(database, vendor, TrelloConnector(vendor.config), full=True).status == SyncStatus.SUCCEEDED
        before_cursors, before_digest = cursors_of(database, vendor), store_digest(database)
        vendor.mutate(20, seed=1)
        transport = CorruptingTransport(where, mode)
        broken: ConnectorConfig = replace(vendor.config, transport=transport)
        report = sync(database, vendor, TrelloConnector(broken), full=False)
        assert report.status == SyncStatus.FAILED
        assert transport.corrupted > 0
        # Retried as upstream failures until the policy (or the breaker, after 5 in a row) gave up.
        assert report.errors[-1]["message"].startswith(("InvalidPayload", "UpstreamError", "CircuitOpen"))
        assert cursors_of(database, vendor) == before_cursors
        assert store_digest(database) == before_digest
        healed = sync(database, vendor, TrelloConnector(vendor.config), full=False)
        assert healed.status == SyncStatus.SUCCEEDED
        assert cursors_of(database, vendor) != before_cursors
        assert_store_matches(database, vendor)


def test_p11_cards_deleted_without_a_webhook_are_tombstoned_by_one_sync(database: Database) -> None:
    with HARNESS.running(seed=8, items=400) as vendor:
        assert sync(database, vendor, TrelloConnector(vendor.config), full=True).status == SyncStatus.SUCCEEDED
        cards = sorted(vendor.expected_items())
        doomed, archived = cards[3::100], cards[5::100]
        with httpx.Client(base_url=vendor.base_url) as client:
            for card in doomed:
                client.delete(f"/1/cards/{card}", params=vendor.auth()).raise_for_status()
            for card in archived:
                client.put(f"/1/cards/{card}", params={**vendor.auth(), "closed": "true"}).raise_for_status()
        # A full pull reports no deletions itself: only the engine's census can find them.
        report = sync(database, vendor, TrelloConnector(vendor.config), full=True)
        assert report.status == SyncStatus.SUCCEEDED
        assert report.items_deleted == len(doomed)
        stored = stored_items(database)
        assert not set(doomed) & set(stored)
        assert set(archived) <= set(stored)
        assert_store_matches(database, vendor)
