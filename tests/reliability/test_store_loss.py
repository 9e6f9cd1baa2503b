"""The store lost mid-run, on both dialects (tests/reliability/outage.py): a sync fails with a clear error and a
rerun converges on exactly what a fault-free sync stores; a webhook receiver answers 503 (so the vendor
retries) and takes the retried delivery once the store is back."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

import migrations
from api.app import create_app
from api.webhooks.registry import ReceiverRegistry, ReceiverTarget
from connectors.signatures import hmac_hex
from core.settings import Settings
from models.db import Database
from models.enums import SyncStatus, Vendor
from models.tables import RUNS, WEBHOOK_EVENTS
from sync.engine import SyncReport, run_sync
from sync.store import ensure_connection
from tests.digest import store_digest
from tests.reliability.outage import StoreOutage, store_outage
from tests.sync.synthetic import SyntheticSource

pytestmark = pytest.mark.reliability

NOW = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
SECRET_KEYS = "YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0NTY="


@pytest.fixture
def outage(empty_database_url: str) -> Iterator[StoreOutage]:
    with store_outage(empty_database_url) as outage:
        yield outage


@pytest.fixture
def store(outage: StoreOutage) -> Iterator[Database]:
    """The store, reached the way the outage can take it away (a 5 s busy timeout on SQLite)."""
    database = Database.from_url(outage.url, busy_timeout_ms=5_000)
    migrations.upgrade_to_head(database.engine)
    yield database
    database.dispose()


class CutAfter:
    """Sync progress that takes the store away once ``pages`` pages are stored."""

    def __init__(self, outage: StoreOutage, pages: int) -> None:
        self.outage, self.pages, self.seen = outage, pages, 0

    def on_total(self, estimate: int | None) -> None:
        return

    def on_batch(self, items: int, pages: int) -> None:
        self.seen += pages
        if self.seen == self.pages:
            self.outage.cut()


def sync(
    database: Database, connection_id: int, source: SyntheticSource, progress: CutAfter | None = None
) -> SyncReport:
    return run_sync(
        database,
        connection_id=connection_id,
        vendor=Vendor.JIRA,
        connector=source,
        full=True,
        clock=lambda: NOW,
        progress=progress,
    )


def test_store_lost_mid_sync_fails_clearly_and_a_rerun_converges(
    store: Database, outage: StoreOutage, database: Database
) -> None:
    source = SyntheticSource(containers=2, items_per_container=100, page_size=20)
    # The fault-free reference, in the run's shared store.
    reference_id = ensure_connection(database, name="synthetic", vendor="jira", base_url="http://127.0.0.1:1")
    assert sync(database, reference_id, source).status == SyncStatus.SUCCEEDED

    connection_id = ensure_connection(store, name="synthetic", vendor="jira", base_url="http://127.0.0.1:1")
    with pytest.raises(OperationalError) as failure:
        sync(store, connection_id, source, CutAfter(outage, pages=3))
    message = str(failure.value).lower()
    assert any(reason in message for reason in ("database is locked", "connection", "server closed")), message

    outage.restore()
    store.engine.dispose()  # connections the outage broke; the pool would find them on use anyway
    rerun = sync(store, connection_id, source)
    assert rerun.status == SyncStatus.SUCCEEDED
    assert store_digest(store) == store_digest(database)
    with store.read_session() as session:
        runs = session.execute(select(RUNS.c.status, RUNS.c.error_message).order_by(RUNS.c.id)).all()
    # The interrupted run could not record its end while the store was gone; the rerun closed it, with why.
    assert [status for status, _ in runs] == ["failed", "succeeded"]
    assert "interrupted" in str(runs[0][1])


def jira_delivery(delivery: str) -> tuple[bytes, dict[str, str]]:
    body = json.dumps({"webhookEvent": "jira:issue_updated", "issue": {"id": "10001", "key": "PAY-1"}}).encode()
    headers = {
        "X-Hub-Signature": "sha256=" + hmac_hex(b"jira-secret", body),
        "X-Atlassian-Webhook-Identifier": delivery,
        "Content-Type": "application/json",
    }
    return body, headers


def test_store_lost_mid_webhooks_gives_503_then_the_retry_is_taken_once(store: Database, outage: StoreOutage) -> None:
    jira = ensure_connection(store, name="jira", vendor="jira", base_url="http://127.0.0.1:8101")
    registry = ReceiverRegistry([ReceiverTarget(jira, "jira", Vendor.JIRA, secret="jira-secret")])
    settings = Settings(database_url=outage.url, secret_keys=SECRET_KEYS, inbox_worker=False, scheduler=False)
    app = create_app(settings, database=store, receivers=registry, clock=lambda: NOW)
    with TestClient(app) as client:
        body, headers = jira_delivery("before")
        assert client.post("/webhooks/jira/jira", content=body, headers=headers).status_code == 200
        outage.cut()
        body, headers = jira_delivery("during")
        refused = client.post("/webhooks/jira/jira", content=body, headers=headers)
        assert refused.status_code == 503
        assert refused.headers["retry-after"] == "30"
        assert "Traceback" not in refused.text
        outage.restore()
        # The vendor retries the same delivery (twice, as they do): stored once.
        retried = [client.post("/webhooks/jira/jira", content=body, headers=headers) for _ in range(2)]
        assert [r.status_code for r in retried] == [200, 200]
    with store.read_session() as session:
        rows = session.execute(
            select(WEBHOOK_EVENTS.c.delivery_id, func.count()).group_by(WEBHOOK_EVENTS.c.delivery_id)
        ).all()
    assert sorted((str(d), int(n)) for d, n in rows) == [("before", 1), ("during", 1)]
