"""Asana webhooks over real HTTP: handshake during create, signed deliveries, filters, heartbeats, and
retries that end in deletion (24 h of backoff, compressed by the webhook time scale)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from emulators.asana import build_app
from emulators.asana.webhooks import RETRY_DELAYS
from emulators.server import running_server
from tests.emulators.asana.conftest import TOKEN, HookReceiver, asana_config
from tests.emulators.waiting import eventually

PROJECT = "1203000000000000"


@pytest.fixture
def emulator() -> Iterator[tuple[httpx.Client, httpx.Client]]:
    """(API client, control client) with webhook delays compressed 100,000 times (8 h heartbeat = 0.29 s)."""
    with (
        running_server(build_app(asana_config(webhook_time_scale=1e-5))) as url,
        httpx.Client(base_url=f"{url}/api/1.0", headers={"Authorization": f"Bearer {TOKEN}"}) as api,
        httpx.Client(base_url=url) as control,
    ):
        yield api, control


def create(api: httpx.Client, target: str, **extra: object) -> httpx.Response:
    return api.post("/webhooks", json={"data": {"resource": PROJECT, "target": target, **extra}})


def first_task(api: httpx.Client) -> str:
    return str(api.get(f"/projects/{PROJECT}/tasks", params={"limit": 1}).json()["data"][0]["gid"])


def test_the_handshake_happens_while_the_create_call_is_in_flight(
    emulator: tuple[httpx.Client, httpx.Client], hook_receiver: tuple[str, HookReceiver]
) -> None:
    api, control = emulator
    target, receiver = hook_receiver
    response = create(api, target)
    assert response.status_code == 201
    assert receiver.handshakes == 1  # answered before the 201 came back
    webhook = response.json()["data"]
    assert webhook["gid"].startswith("1208")
    assert (webhook["resource"]["resource_type"], webhook["active"]) == ("project", True)
    assert control.get("/_emulator/webhooks/subscriptions").json()["subscriptions"][0]["id"] == webhook["gid"]


def test_a_receiver_that_does_not_echo_the_secret_gets_no_webhook(
    emulator: tuple[httpx.Client, httpx.Client], hook_receiver: tuple[str, HookReceiver]
) -> None:
    api, control = emulator
    target, receiver = hook_receiver
    receiver.refuse_handshake = True
    response = create(api, target)
    assert response.status_code == 400
    assert "handshake" in response.json()["errors"][0]["message"]
    unreachable = create(api, "http://127.0.0.1:9/hook")
    assert unreachable.status_code == 400
    assert control.get("/_emulator/webhooks/subscriptions").json()["subscriptions"] == []


def test_deliveries_are_signed_with_hex_hmac_sha256_of_the_raw_body(
    emulator: tuple[httpx.Client, httpx.Client], hook_receiver: tuple[str, HookReceiver]
) -> None:
    api, _ = emulator
    target, receiver = hook_receiver
    create(api, target)
    task = first_task(api)
    api.put(f"/tasks/{task}", json={"data": {"assignee": "me"}})
    events = eventually(lambda: [e for e in receiver.events() if e["action"] == "changed"])
    assert events[0]["change"]["field"] == "assignee"
    assert events[0]["change"]["new_value"]["resource_type"] == "user"
    assert set(events[0]["user"]) == {"gid", "resource_type"}
    assert receiver.deliveries
    assert all(ok for _, ok in receiver.deliveries)


def test_filters_choose_what_is_delivered(
    emulator: tuple[httpx.Client, httpx.Client], hook_receiver: tuple[str, HookReceiver]
) -> None:
    api, _ = emulator
    target, receiver = hook_receiver
    filters = [{"resource_type": "task", "action": "changed", "fields": ["completed"]}]
    webhook = create(api, target, filters=filters).json()["data"]
    assert webhook["filters"] == filters
    task = first_task(api)
    api.put(f"/tasks/{task}", json={"data": {"name": "not delivered"}})
    api.put(f"/tasks/{task}", json={"data": {"completed": True}})
    events = eventually(receiver.events)
    assert [(e["action"], e["change"]["field"]) for e in events] == [("changed", "completed")]


def test_heartbeats_arrive_on_the_compressed_interval_and_verify(
    emulator: tuple[httpx.Client, httpx.Client], hook_receiver: tuple[str, HookReceiver]
) -> None:
    api, _ = emulator
    target, receiver = hook_receiver
    create(api, target)
    eventually(lambda: receiver.heartbeats() >= 2)


def test_failing_deliveries_back_off_for_24_hours_then_the_webhook_is_deleted(
    emulator: tuple[httpx.Client, httpx.Client], hook_receiver: tuple[str, HookReceiver]
) -> None:
    api, control = emulator
    target, receiver = hook_receiver
    webhook = create(api, target).json()["data"]
    receiver.secret = "rotated-by-mistake"  # every later delivery fails verification: the receiver answers 401
    api.put(f"/tasks/{first_task(api)}", json={"data": {"name": "lost"}})

    def removed() -> list[dict[str, object]]:
        log = control.get("/_emulator/webhooks/deliveries").json()["deliveries"]
        return [r for r in log if r["outcome"] == "subscription_removed"]

    final = eventually(removed, timeout=20)[0]
    assert final["attempt"] == len(RETRY_DELAYS) + 1
    assert sum(RETRY_DELAYS) == 24 * 3600
    assert api.get(f"/webhooks/{webhook['gid']}").status_code == 404


def test_webhooks_are_listed_updated_and_deleted(
    emulator: tuple[httpx.Client, httpx.Client], hook_receiver: tuple[str, HookReceiver]
) -> None:
    api, _ = emulator
    target, _ = hook_receiver
    webhook = create(api, target).json()["data"]
    workspace = api.get("/workspaces").json()["data"][0]["gid"]
    listed = api.get("/webhooks", params={"workspace": workspace, "resource": PROJECT}).json()["data"]
    assert [w["gid"] for w in listed] == [webhook["gid"]]
    assert api.get("/webhooks", params={"workspace": workspace, "resource": "1205000000000001"}).json()["data"] == []
    assert api.get("/webhooks").status_code == 400
    filters = {"data": {"filters": [{"resource_type": "story"}]}}
    assert api.put(f"/webhooks/{webhook['gid']}", json=filters).json()["data"]["filters"] == [
        {"resource_type": "story"}
    ]
    assert api.delete(f"/webhooks/{webhook['gid']}").json() == {"data": {}}
    assert api.get(f"/webhooks/{webhook['gid']}").status_code == 404
    assert create(api, target, resource=workspace).status_code == 400  # workspace webhooks need filters
