"""W4: replaying a captured valid delivery, for the providers whose signatures carry no timestamp (Jira,
Trello and Asana all sign the body only): 100 replays spread over 0-48 h of an injected clock are each
answered 2xx and change nothing (inbox rows, items and their bookkeeping timestamps identical). An older
version never overwrites a newer one, even when a re-read returns the older version.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.app import create_app
from api.webhooks.registry import ReceiverRegistry, ReceiverTarget
from connectors.signatures import hmac_base64, hmac_hex, trello_signed_bytes
from core.settings import Settings
from models.db import Database
from models.enums import Vendor
from models.tables import ITEMS, LABELS, TRANSITIONS, WEBHOOK_EVENTS
from sync.inbox import InboxProcessor
from sync.store import ensure_connection
from tests.api.seed import FERNET_KEY
from tests.digest import store_digest
from tests.webhooks_reliability.events import VersionedSource, item_at

pytestmark = [pytest.mark.reliability]

START = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
ENTITY = "70042"
REPLAYS = 100
SECRET = "replay-secret"
TRELLO_CALLBACK = "https://baton.example.com/webhooks/trello/trello"


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


@dataclass(frozen=True)
class Captured:
    """A delivery exactly as the vendor sent it: path, raw body, headers."""

    path: str
    body: bytes
    headers: dict[str, str]


def jira_delivery(version: int) -> Captured:
    body = json.dumps({"webhookEvent": "jira:issue_updated", "issue": {"id": ENTITY}, "changelog": {"id": version}})
    raw = body.encode()
    headers = {
        "X-Hub-Signature": "sha256=" + hmac_hex(SECRET.encode(), raw),
        "X-Atlassian-Webhook-Identifier": f"j{version}",
    }
    return Captured("/webhooks/jira/jira", raw, headers)


def trello_delivery(version: int) -> Captured:
    action = {"id": f"6650{version:020d}", "type": "updateCard", "data": {"card": {"id": ENTITY}}}
    raw = json.dumps({"action": action, "model": {"id": "board"}}).encode()
    signature = hmac_base64(SECRET.encode(), trello_signed_bytes(raw.decode() + TRELLO_CALLBACK), "sha1")
    return Captured("/webhooks/trello/trello", raw, {"X-Trello-Webhook": signature})


def asana_delivery(version: int) -> Captured:
    event = {
        "action": "changed",
        "resource": {"gid": ENTITY, "resource_type": "task"},
        "created_at": f"2026-11-24T09:0{version}:00.000Z",
        "change": {"field": "name", "action": "changed"},
    }
    raw = json.dumps({"events": [event]}).encode()
    return Captured("/webhooks/asana/asana?sub=sub-1", raw, {"X-Hook-Signature": hmac_hex(SECRET.encode(), raw)})


DELIVERIES: dict[str, Callable[[int], Captured]] = {
    "jira": jira_delivery,
    "trello": trello_delivery,
    "asana": asana_delivery,
}


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def client(database: Database, clock: Clock) -> Iterator[TestClient]:
    targets = []
    for vendor in (Vendor.JIRA, Vendor.TRELLO, Vendor.ASANA):
        connection_id = ensure_connection(database, name=str(vendor), vendor=str(vendor), base_url="https://x.test")
        targets.append(
            ReceiverTarget(
                connection_id,
                str(vendor),
                vendor,
                secret=SECRET if vendor is not Vendor.ASANA else None,
                callback_url=TRELLO_CALLBACK if vendor is Vendor.TRELLO else None,
                subscription_secrets={"sub-1": SECRET} if vendor is Vendor.ASANA else {},
            )
        )
    settings = Settings(database_url=str(database.engine.url), secret_keys=FERNET_KEY, inbox_worker=False)
    app = create_app(settings, database=database, receivers=ReceiverRegistry(targets), clock=clock)
    with TestClient(app) as test_client:
        yield test_client


def snapshot(database: Database) -> tuple[Any, ...]:
    """Every column of the inbox and of the items (bookkeeping timestamps included), labels and history."""
    with database.read_session() as session:
        inbox = session.execute(select(WEBHOOK_EVENTS).order_by(WEBHOOK_EVENTS.c.id)).all()
        items = session.execute(select(ITEMS).order_by(ITEMS.c.id)).all()
        labels = session.execute(select(LABELS).order_by(LABELS.c.work_item_id, LABELS.c.label)).all()
        history = session.execute(select(TRANSITIONS).order_by(TRANSITIONS.c.id)).all()
    return (inbox, items, labels, history, store_digest(database))


def send(client: TestClient, captured: Captured) -> dict[str, Any]:
    response = client.post(captured.path, content=captured.body, headers=captured.headers)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


@pytest.mark.parametrize("vendor", sorted(DELIVERIES))
def test_w4_replays_over_48_hours_change_nothing(
    client: TestClient, database: Database, clock: Clock, vendor: str
) -> None:
    delivery = DELIVERIES[vendor]
    older, newer = delivery(1), delivery(2)
    source = VersionedSource([])
    source.version_of[ENTITY] = 0
    processor = InboxProcessor(database, lambda _connection: source, clock=clock)

    source.serve(ENTITY, 1)
    assert send(client, older)["new"] == 1
    assert processor.drain().applied == 1
    clock.now += timedelta(minutes=5)
    source.serve(ENTITY, 2)
    assert send(client, newer)["new"] == 1
    assert processor.drain().applied == 1
    before = snapshot(database)
    with database.read_session() as session:
        assert session.execute(select(ITEMS.c.source_version)).scalar_one() == item_at(ENTITY, 2).version

    rng = random.Random(4)
    spread = [rng.uniform(0, 48 * 3600) for _ in range(REPLAYS - 2)]
    offsets = sorted([0.0, 48 * 3600.0, *spread])  # from at once to two days later
    replayed_at = clock.now
    for n, offset in enumerate(offsets):
        clock.now = replayed_at + timedelta(seconds=offset)
        assert send(client, older if n % 2 == 0 else newer)["new"] == 0
        assert processor.run_once().claimed == 0
    assert len(offsets) == REPLAYS
    assert snapshot(database) == before  # 0 additional state changes

    # The older version arriving as a new event whose re-read is stale (a lagging replica) is skipped.
    source.serve(ENTITY, 1)
    stale = delivery(3)
    assert send(client, stale)["new"] == 1
    step = processor.drain()
    assert (step.done, step.applied, step.stale_skipped) == (1, 0, 1)
    with database.read_session() as session:
        assert session.execute(select(ITEMS.c.source_version)).scalar_one() == item_at(ENTITY, 2).version
    assert snapshot(database)[1:] == before[1:]  # items, labels, history untouched
