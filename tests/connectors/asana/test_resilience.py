"""The Asana connector under the emulator's faults (P4) and rate limits (P3), with no real waiting."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, datetime

import httpx
import pytest

import models
from connectors.asana import AsanaConnector
from connectors.asana.client import AsanaLimits
from emulators.clock import EmulatorClock
from models.db import Database
from sync.engine import run_sync
from sync.store import ensure_connection, load_cursors
from tests.connectors.harness_asana import HARNESS, RunningAsana
from tests.digest import store_digest

pytestmark = pytest.mark.reliability

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
# About 7 % of requests fail upstream: rare enough that the breaker (5 consecutive failures) stays shut.
FAULTS = "429=0.02,500=0.01,502=0.01,503=0.01,504=0.01,reset=0.01,truncate=0.01,invalid=0.01"


def sync(database: Database, running: RunningAsana, connector: AsanaConnector, *, full: bool) -> str:
    connection_id = ensure_connection(database, name="asana", vendor="asana", base_url="http://asana.test")
    report = run_sync(
        database, connection_id=connection_id, vendor=running.config.vendor, connector=connector, full=full
    )
    return str(report.status)


def empty(database: Database) -> None:
    with database.engine.begin() as connection:
        for table in reversed(models.metadata.sorted_tables):
            connection.execute(table.delete())


def test_a_faulty_vendor_leaves_the_store_identical_to_a_fault_free_run_p4(database: Database) -> None:
    with HARNESS.running(seed=9, items=300, now=NOW) as clean:
        assert sync(database, clean, AsanaConnector(clean.config), full=True) == "succeeded"
    expected = store_digest(database)
    empty(database)
    with HARNESS.running(seed=9, items=300, now=NOW, faults=FAULTS, fault_seed=3) as faulty:
        connector = AsanaConnector(faulty.config)
        assert sync(database, faulty, connector, full=True) == "succeeded"
        assert connector.client.reads.stats.retries > 5  # the faults were met, and retried
    assert store_digest(database) == expected


def test_truncated_or_invalid_json_never_advances_a_cursor_p4(database: Database) -> None:
    with HARNESS.running(seed=9, items=300, now=NOW) as running:
        assert sync(database, running, AsanaConnector(running.config), full=True) == "succeeded"
        running.mutate(4, seed=1)
        connection_id = ensure_connection(database, name="asana", vendor="asana", base_url="http://asana.test")
        before = load_cursors(database, connection_id)
        digest = store_digest(database)
        with httpx.Client(base_url=running.url) as control:
            for spec in ("truncate=1", "invalid=1"):
                control.put("/_emulator/faults", json={"spec": spec, "seed": 1}).raise_for_status()
                assert sync(database, running, AsanaConnector(running.config), full=False) == "failed"
                assert load_cursors(database, connection_id) == before
                assert store_digest(database) == digest


SPEED = 120.0


class EmulatorTime:
    """The connector reads the emulator's clock, which runs 120 times faster than the wall: a minute's
    rate window passes in half a second, so the limits are exercised without a test that takes minutes.
    (A frozen clock advanced by sleepers is no good here: requests in flight while a sleeper jumps the
    clock a whole window land in the new window, which never happens at real speed.)"""

    def __init__(self, clock: EmulatorClock) -> None:
        self.clock = clock
        clock.set_speed(SPEED)

    def monotonic(self) -> float:
        return self.clock.timestamp()

    def sleep(self, seconds: float) -> None:
        self.wall.wait(self.clock.wall_seconds(seconds))

    wall = threading.Event()  # never set: wait() is a timed, compressed pause


class CountingTransport(httpx.BaseTransport):
    """Counts requests in flight at once."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport(limits=httpx.Limits(max_connections=64))
        self.lock = threading.Lock()
        self.in_flight = 0
        self.peak = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        with self.lock:
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
        try:
            response = self.inner.handle_request(request)
            response.read()
            return response
        finally:
            with self.lock:
                self.in_flight -= 1


def test_the_free_plan_limits_hold_with_fifty_reads_in_flight_p3(database: Database) -> None:
    options = {"plan": "free", "processing_ms": "20"}
    with HARNESS.running(seed=9, items=300, now=NOW, rate_limit=True, options=options) as running:
        transport = CountingTransport()
        config = replace(running.config, time_source=EmulatorTime(running.context.runtime.clock), transport=transport)
        connector = AsanaConnector(config, limits=AsanaLimits(requests_per_minute=150, workers=50))
        assert sync(database, running, connector, full=True) == "succeeded"
        rejected = connector.client.status_counts().get(429, 0)
        assert connector.requests_made > 300
        print(f"P3: {connector.requests_made} requests, {rejected} answered 429, peak {transport.peak} in flight")
        assert rejected <= 0.01 * connector.requests_made
        assert 10 < transport.peak <= 50
