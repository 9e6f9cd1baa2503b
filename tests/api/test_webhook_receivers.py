"""Webhook receivers on both dialects: W13 status policy, W14 handshakes, W16 body limit, A11 unsigned flood."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient
from sqlalchemy import event, func, select

from api.app import create_app
from api.deps import get_state
from api.state import AppState
from api.webhooks import routes
from api.webhooks.fast_path import WebhookFastPath
from api.webhooks.registry import ReceiverRegistry, ReceiverTarget
from connectors.signatures import hmac_base64, hmac_hex, trello_signed_bytes
from core.settings import Settings
from models.db import Database
from models.enums import Vendor
from models.tables import WEBHOOK_EVENTS, WEBHOOK_SUBSCRIPTIONS
from sync.store import ensure_connection

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
TRELLO_CALLBACK = "https://baton.example.com/webhooks/trello/trello"
JIRA_BODY = json.dumps({"webhookEvent": "jira:issue_updated", "issue": {"id": "10001", "key": "PAY-1"}}).encode()


@pytest.fixture
def registry(database: Database) -> ReceiverRegistry:
    jira = ensure_connection(database, name="jira", vendor="jira", base_url="http://127.0.0.1:8101")
    trello = ensure_connection(database, name="trello", vendor="trello", base_url="http://127.0.0.1:8102")
    asana = ensure_connection(database, name="asana", vendor="asana", base_url="http://127.0.0.1:8103")
    return ReceiverRegistry(
        [
            ReceiverTarget(jira, "jira", Vendor.JIRA, secret="jira-secret"),
            ReceiverTarget(trello, "trello", Vendor.TRELLO, secret="emulator-secret", callback_url=TRELLO_CALLBACK),
            ReceiverTarget(asana, "asana", Vendor.ASANA),
        ]
    )


def receiver_app(database: Database, registry: ReceiverRegistry) -> FastAPI:
    settings = Settings(
        database_url=str(database.engine.url), secret_keys="YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0NTY="
    )
    return create_app(settings, database=database, receivers=registry, clock=lambda: NOW)


@pytest.fixture(params=["fast-path", "routes"])
def client(request: pytest.FixtureRequest, database: Database, registry: ReceiverRegistry) -> Iterator[TestClient]:
    """The app as served (deliveries answered by the fast path), and without the fast path (by the routes):
    every test here holds for both, so the two answer alike."""
    app = receiver_app(database, registry)
    if request.param == "routes":
        app.user_middleware = [m for m in app.user_middleware if m.cls is not WebhookFastPath]  # type: ignore[comparison-overlap]
    with TestClient(app) as client:
        yield client


def inbox_count(database: Database) -> int:
    with database.read_session() as session:
        return int(session.execute(select(func.count()).select_from(WEBHOOK_EVENTS)).scalar_one())


def jira_headers(body: bytes, delivery: str = "wh-1", secret: str = "jira-secret") -> dict[str, str]:
    return {
        "X-Hub-Signature": "sha256=" + hmac_hex(secret.encode(), body),
        "X-Atlassian-Webhook-Identifier": delivery,
        "Content-Type": "application/json",
    }


def test_a_signed_jira_delivery_is_stored_once(client: TestClient, database: Database) -> None:
    first = client.post("/webhooks/jira/jira", content=JIRA_BODY, headers=jira_headers(JIRA_BODY))
    retry = client.post("/webhooks/jira/jira", content=JIRA_BODY, headers=jira_headers(JIRA_BODY))
    assert (first.status_code, first.json()["new"]) == (200, 1)
    assert (retry.status_code, retry.json()["new"]) == (200, 0)
    with database.read_session() as session:
        row = session.execute(select(WEBHOOK_EVENTS)).one()
    assert (row.delivery_id, row.entity_external_id, row.status, row.body) == ("wh-1", "10001", "pending", JIRA_BODY)


@pytest.mark.reliability
@pytest.mark.parametrize(
    ("headers", "body", "status"),
    [
        ({"X-Hub-Signature": "sha256=" + "0" * 64}, JIRA_BODY, 401),
        ({}, JIRA_BODY, 401),
        (jira_headers(b"{not json", secret="jira-secret"), b"{not json", 400),
        (jira_headers(b'{"webhookEvent":"sprint_started"}'), b'{"webhookEvent":"sprint_started"}', 202),
    ],
    ids=["bad-signature", "unsigned", "malformed-json", "ignored-event"],
)
def test_w13_refused_or_ignored_deliveries_write_nothing(
    client: TestClient, database: Database, headers: dict[str, str], body: bytes, status: int
) -> None:
    response = client.post("/webhooks/jira/jira", content=body, headers=headers)
    assert response.status_code == status
    assert inbox_count(database) == 0
    if status >= 400:
        assert response.headers["content-type"] == "application/problem+json"
        assert "Traceback" not in response.text


def test_unknown_connections_are_404(client: TestClient) -> None:
    assert client.post("/webhooks/jira/nope", content=JIRA_BODY, headers=jira_headers(JIRA_BODY)).status_code == 404


def test_trello_head_check_and_signed_delivery(client: TestClient, database: Database) -> None:
    assert client.head("/webhooks/trello/trello").status_code == 200
    assert client.head("/webhooks/trello/missing").status_code == 404
    body = json.dumps(
        {"action": {"id": "a1", "type": "updateCard", "data": {"card": {"id": "c1", "name": "Design \u2013 review"}}}},
        ensure_ascii=False,
    ).encode()
    signature = hmac_base64(b"emulator-secret", trello_signed_bytes(body.decode() + TRELLO_CALLBACK), "sha1")
    response = client.post("/webhooks/trello/trello", content=body, headers={"X-Trello-Webhook": signature})
    assert response.status_code == 200
    assert inbox_count(database) == 1


def pending_subscription(database: Database, registry: ReceiverRegistry, token: str) -> None:
    target = registry.get(Vendor.ASANA, "asana")
    assert target is not None
    with database.session() as session:
        session.execute(
            WEBHOOK_SUBSCRIPTIONS.insert().values(
                connection_id=target.connection_id, token=token, callback_url="x", active=True, created_at=NOW
            )
        )
        session.commit()


@pytest.mark.reliability
def test_w14_asana_handshake_echoes_and_stores_the_secret_encrypted(
    client: TestClient, database: Database, registry: ReceiverRegistry
) -> None:
    pending_subscription(database, registry, "sub-1")
    response = client.post("/webhooks/asana/asana?sub=sub-1", headers={"X-Hook-Secret": "canary-hook-secret"})
    assert response.status_code == 200
    assert response.headers["X-Hook-Secret"] == "canary-hook-secret"
    with database.read_session() as session:
        stored = session.execute(select(WEBHOOK_SUBSCRIPTIONS.c.secret_encrypted)).scalar_one()
    assert stored is not None
    assert "canary-hook-secret" not in stored
    again = client.post("/webhooks/asana/asana?sub=sub-1", headers={"X-Hook-Secret": "attacker"})
    assert again.status_code == 403  # the registration is no longer pending

    heartbeat = b'{"events":[]}'
    signed = {"X-Hook-Signature": hmac_hex(b"canary-hook-secret", heartbeat)}
    assert client.post("/webhooks/asana/asana?sub=sub-1", content=heartbeat, headers=signed).status_code == 200
    events = json.dumps(
        {
            "events": [
                {"action": "changed", "resource": {"gid": "1201", "resource_type": "task"}, "created_at": "t1"},
                {"action": "changed", "resource": {"gid": "1202", "resource_type": "task"}, "created_at": "t1"},
            ]
        }
    ).encode()
    signed = {"X-Hook-Signature": hmac_hex(b"canary-hook-secret", events)}
    assert client.post("/webhooks/asana/asana?sub=sub-1", content=events, headers=signed).json()["new"] == 2
    forged = {"X-Hook-Signature": hmac_hex(b"attacker", events)}
    assert client.post("/webhooks/asana/asana?sub=sub-1", content=events, headers=forged).status_code == 401


@pytest.mark.reliability
def test_w14_an_unexpected_handshake_is_refused(client: TestClient) -> None:
    assert client.post("/webhooks/asana/asana?sub=unknown", headers={"X-Hook-Secret": "s"}).status_code == 403
    assert client.post("/webhooks/asana/asana", headers={"X-Hook-Secret": "s"}).status_code == 403


@pytest.mark.reliability
def test_w16_bodies_over_one_mebibyte_are_413_plain_and_chunked(client: TestClient, database: Database) -> None:
    big = b"x" * (1024 * 1024 + 1)
    plain = client.post("/webhooks/jira/jira", content=big, headers=jira_headers(big))

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(big), 65536):
            yield big[start : start + 65536]

    chunked = client.post("/webhooks/jira/jira", content=chunks(), headers=jira_headers(big))
    assert (plain.status_code, chunked.status_code) == (413, 413)
    assert inbox_count(database) == 0


@pytest.mark.reliability
def test_a11_unsigned_flood_is_refused_without_a_single_query(client: TestClient, database: Database) -> None:
    queries: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        queries.append(statement)

    event.listen(database.engine, "before_cursor_execute", count)
    try:
        statuses = {client.post("/webhooks/jira/jira", content=JIRA_BODY).status_code for _ in range(1000)}
        statuses |= {
            client.post("/webhooks/trello/trello", content=b"{}", headers={"X-Trello-Webhook": "forged"}).status_code
            for _ in range(200)
        }
    finally:
        event.remove(database.engine, "before_cursor_execute", count)
    assert statuses == {401}
    assert queries == []


@pytest.mark.reliability
def test_w13_store_unavailable_is_503_so_the_vendor_retries(registry: ReceiverRegistry) -> None:
    unreachable = Database.from_url("postgresql+psycopg://postgres@127.0.0.1:1/nowhere?connect_timeout=2")
    app = create_app(
        Settings(database_url=str(unreachable.engine.url), secret_keys="YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0NTY="),
        database=unreachable,
        receivers=registry,
    )
    with TestClient(app) as client:
        response = client.post("/webhooks/jira/jira", content=JIRA_BODY, headers=jira_headers(JIRA_BODY))
    assert response.status_code == 503
    assert response.headers["retry-after"] == "30"


def test_the_fast_path_answers_deliveries_and_leaves_the_rest_to_the_routes(
    database: Database, registry: ReceiverRegistry
) -> None:
    app = receiver_app(database, registry)
    served_by_routes: list[str] = []

    async def counting_state(request: Request) -> AppState:
        served_by_routes.append(f"{request.method} {request.url.path}")
        return get_state(request)

    app.dependency_overrides[routes._receiver_state] = counting_state
    with TestClient(app) as client:
        assert client.post("/webhooks/jira/jira", content=JIRA_BODY, headers=jira_headers(JIRA_BODY)).status_code == 200
        assert client.head("/webhooks/trello/trello").status_code == 200
        too_long = "s" * 65  # past the route's max_length: its validation answers
        assert client.post(f"/webhooks/asana/asana?sub={too_long}", headers={"X-Hook-Secret": "s"}).status_code == 422
    assert "POST /webhooks/jira/jira" not in served_by_routes
    assert "HEAD /webhooks/trello/trello" in served_by_routes
    assert inbox_count(database) == 1
    metrics = app.state.request_metrics.registry
    labels = {"method": "POST", "route": "/webhooks/jira/{connection}", "status": "200"}
    assert metrics.get_sample_value("baton_http_requests_total", labels) == 1.0
