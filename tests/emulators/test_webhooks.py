"""Outgoing webhooks to a real local receiver: signatures, compressed retries, the log, vendor hooks."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import httpx

from emulators.clock import EmulatorClock
from emulators.server import running_server
from emulators.signing import verify_jira_hub_signature
from emulators.webhooks import (
    DeliveryOutcome,
    DeliveryWorker,
    Subscription,
    SubscriptionRegistry,
    WebhookProfile,
    asana_handshake,
    head_check,
)
from tests.emulators.conftest import Receiver, example_config
from tests.emulators.example_vendor import build_app
from tests.emulators.waiting import eventually

SECRET = "It's a Secret to Everybody"


def first_item_id(client: httpx.Client) -> str:
    return str(client.get("/rest/api/items", params={"maxResults": 1}).json()["values"][0]["id"])


def test_a_write_fires_a_signed_webhook(receiver: tuple[str, Receiver]) -> None:
    hook_url, seen = receiver
    with running_server(build_app(example_config())) as url, httpx.Client(base_url=url) as client:
        assert client.post("/rest/webhooks", json={"url": hook_url, "secret": SECRET}).status_code == 201
        item_id = first_item_id(client)
        assert client.post(f"/rest/api/items/{item_id}/transitions", json={"status": "In Progress"}).is_success
        method, headers, body = eventually(lambda: seen.requests and seen.requests[0])
        assert method == "POST"
        assert verify_jira_hub_signature(SECRET, body, headers["x-hub-signature"])
        assert b'"In Progress"' in body
        assert "x-atlassian-webhook-retry" not in headers
        log = eventually(lambda: client.get("/_emulator/webhooks/deliveries").json()["deliveries"])
        assert log[0]["outcome"] == "delivered"
        assert log[0]["status_code"] == 200


def test_5xx_is_retried_on_the_compressed_schedule_and_logged(receiver: tuple[str, Receiver]) -> None:
    hook_url, seen = receiver
    seen.statuses.extend([500, 503])
    with running_server(build_app(example_config())) as url, httpx.Client(base_url=url) as client:
        client.post("/rest/webhooks", json={"url": hook_url, "secret": SECRET})
        client.post("/_emulator/mutations", json={"count": 1, "kinds": ["comment"]})
        eventually(lambda: len(seen.requests) >= 3)
        log = eventually(
            lambda: (d := client.get("/_emulator/webhooks/deliveries").json()["deliveries"]) and len(d) >= 3 and d
        )
        assert [(r["attempt"], r["status_code"], r["outcome"]) for r in log[:3]] == [
            (1, 500, "retrying"),
            (2, 503, "retrying"),
            (3, 200, "delivered"),
        ]
        assert len({r["delivery_id"] for r in log[:3]}) == 1
        retry_headers = seen.requests[2][1]
        assert retry_headers["x-atlassian-webhook-retry"] == "2"
        assert seen.requests[0][1]["x-atlassian-webhook-identifier"] == retry_headers["x-atlassian-webhook-identifier"]


def test_410_removes_the_subscription(receiver: tuple[str, Receiver]) -> None:
    hook_url, seen = receiver
    seen.statuses.append(410)
    with running_server(build_app(example_config())) as url, httpx.Client(base_url=url) as client:
        client.post("/rest/webhooks", json={"url": hook_url})
        client.post("/_emulator/mutations", json={"count": 1, "kinds": ["comment"]})
        log = eventually(lambda: client.get("/_emulator/webhooks/deliveries").json()["deliveries"])
        assert log[0]["outcome"] == "subscription_removed"
        assert client.get("/_emulator/webhooks/subscriptions").json()["subscriptions"] == []


def test_exhausted_retries_fail_and_can_remove_the_webhook(receiver: tuple[str, Receiver]) -> None:
    hook_url, seen = receiver
    seen.statuses.extend([500] * 10)
    registry = SubscriptionRegistry()
    registry.add(Subscription(id="s1", target=hook_url, secret="k"))
    profile = WebhookProfile(
        vendor="asana-like",
        sign=lambda s, body: {"X-Hook-Signature": "x"},
        retry_delays=(3600.0, 3600.0),
        remove_when_exhausted=True,
    )
    clock = EmulatorClock(start=datetime(2025, 1, 1, tzinfo=UTC))

    async def scenario() -> list[DeliveryOutcome]:
        worker = DeliveryWorker(registry, profile, clock, time_scale=1e-5)
        worker.enqueue("s1", b'{"events":[]}')
        await worker.start()
        for _ in range(500):
            if len(worker.deliveries()) >= 3:
                break
            await asyncio.sleep(0.01)
        await worker.stop()
        return [r.outcome for r in worker.deliveries()]

    outcomes = asyncio.run(scenario())
    assert outcomes == [
        DeliveryOutcome.RETRYING,
        DeliveryOutcome.RETRYING,
        DeliveryOutcome.SUBSCRIPTION_REMOVED,
    ]
    assert registry.get("s1") is None


def test_trello_head_check_and_asana_handshake(receiver: tuple[str, Receiver]) -> None:
    hook_url, seen = receiver
    assert asyncio.run(head_check(hook_url))
    assert asyncio.run(asana_handshake(hook_url, "shake-secret"))
    assert [r[0] for r in seen.requests] == ["HEAD", "POST"]
    assert seen.requests[1][1]["x-hook-secret"] == "shake-secret"
    seen.statuses.append(404)
    assert not asyncio.run(head_check(hook_url))
    assert not asyncio.run(head_check("http://127.0.0.1:9/unreachable", wait_seconds=1))
