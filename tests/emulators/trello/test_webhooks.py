"""Trello webhooks over HTTP: HEAD check, signed deliveries a real receiver verifies, retries, 410, counters."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx
import pytest
from fastapi import FastAPI, Request, Response

from connectors.trello.webhooks import verify_trello_signature
from emulators.server import running_server
from emulators.signing import trello_signature
from tests.emulators.trello.conftest import SECRET, TOKEN, Trello
from tests.emulators.waiting import eventually

EN_DASH = "\u2013"


@dataclass
class Delivery:
    """One POST the receiver got, and whether its X-Trello-Webhook verified."""

    body: dict[str, object]
    raw: bytes
    headers: dict[str, str]
    verified: bool


@dataclass
class Receiver:
    """A webhook endpoint on 127.0.0.1 that verifies signatures like Baton does."""

    url: str = ""
    head_status: int = 200
    post_statuses: list[int] = field(default_factory=list)
    heads: int = 0
    deliveries: list[Delivery] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()
    app = FastAPI()

    @app.head("/trello")
    async def head() -> Response:
        with state.lock:
            state.heads += 1
        return Response(status_code=state.head_status)

    @app.post("/trello")
    async def post(request: Request) -> Response:
        raw = await request.body()
        verified = verify_trello_signature(request.headers.get("x-trello-webhook"), raw, state.url, SECRET)
        with state.lock:
            state.deliveries.append(Delivery(json.loads(raw), raw, dict(request.headers), verified))
            status = state.post_statuses.pop(0) if state.post_statuses else 200
        return Response(status_code=status)

    with running_server(app) as url:
        state.url = f"{url}/trello"
        yield state


def create_hook(trello: Trello, receiver: Receiver, model: str) -> dict[str, object]:
    response = trello.client.post(
        f"/tokens/{TOKEN}/webhooks", data={"callbackURL": receiver.url, "idModel": model, "description": "baton"}
    )
    assert response.status_code == 200, response.text
    hook: dict[str, object] = response.json()
    return hook


def test_signature_known_answer_vector() -> None:
    assert trello_signature("secret", b'{"hello":"world"}', "https://example.com/webhooks") == (
        "FwPAcuGe9EP/+SbXFWjnEVTa0zw="
    )


def test_creation_heads_the_callback_and_refuses_a_non_200(trello: Trello, receiver: Receiver) -> None:
    board = trello.board_ids()[0]
    receiver.head_status = 404
    refused = trello.client.post("/webhooks", json={"callbackURL": receiver.url, "idModel": board})
    assert refused.status_code == 400
    assert "did not return 200" in refused.text
    assert receiver.heads == 1
    assert trello.client.get(f"/tokens/{TOKEN}/webhooks").json() == []
    receiver.head_status = 200
    created = trello.client.post("/webhooks", params={"callbackURL": receiver.url, "idModel": board})
    assert created.status_code == 200
    assert receiver.heads == 2
    hook = created.json()
    assert (hook["active"], hook["consecutiveFailures"], hook["firstConsecutiveFailDate"]) == (True, 0, None)
    duplicate = trello.client.post("/webhooks", params={"callbackURL": receiver.url, "idModel": board})
    assert duplicate.status_code == 400
    assert trello.client.post("/webhooks", params={"callbackURL": receiver.url, "idModel": "f" * 24}).status_code == 400


def test_a_card_rename_with_an_en_dash_is_delivered_and_verifies(trello: Trello, receiver: Receiver) -> None:
    board = trello.board_ids()[0]
    hook = create_hook(trello, receiver, board)
    card = trello.client.get(f"/boards/{board}/cards", params={"limit": 1}).json()[0]
    name = f"Checkout {EN_DASH} retry flow"
    assert trello.client.put(f"/cards/{card['id']}", json={"name": name}).status_code == 200
    delivery = eventually(lambda: receiver.deliveries and receiver.deliveries[0])
    assert delivery.verified
    action = delivery.body["action"]
    assert isinstance(action, dict)
    assert (action["type"], action["data"]["card"]["name"], action["data"]["old"]["name"]) == (
        "updateCard",
        name,
        card["name"],
    )
    assert delivery.body["model"]["id"] == board  # type: ignore[index]
    assert delivery.body["webhook"]["id"] == hook["id"]  # type: ignore[index]
    assert EN_DASH.encode() in delivery.raw
    # The quirk is real: a plain UTF-8 HMAC over the same bytes does not match the header.
    utf8 = base64.b64encode(hmac.new(SECRET.encode(), delivery.raw + receiver.url.encode(), hashlib.sha1).digest())
    assert utf8.decode() != delivery.headers["x-trello-webhook"]


def test_card_webhooks_see_only_their_card(trello: Trello, receiver: Receiver) -> None:
    board = trello.board_ids()[1]
    watched, other = trello.client.get(f"/boards/{board}/cards", params={"limit": 2}).json()
    create_hook(trello, receiver, watched["id"])
    trello.client.post(f"/cards/{other['id']}/actions/comments", params={"text": "not watched"})
    trello.client.post(f"/cards/{watched['id']}/actions/comments", params={"text": "watched"})
    delivery = eventually(lambda: receiver.deliveries and receiver.deliveries[0])
    assert delivery.body["action"]["data"]["text"] == "watched"  # type: ignore[index]
    assert delivery.body["model"]["id"] == watched["id"]  # type: ignore[index]
    assert len(receiver.deliveries) == 1


def test_simulated_activity_fires_board_webhooks(trello: Trello, receiver: Receiver) -> None:
    for board in trello.board_ids():
        create_hook(trello, receiver, board)
    control = httpx.Client(base_url=trello.url)
    applied = control.post("/_emulator/mutations", json={"count": 6, "kinds": ["comment", "transition"]}).json()
    eventually(lambda: len(receiver.deliveries) >= applied["count"])
    assert all(d.verified for d in receiver.deliveries)
    assert {d.body["action"]["data"]["card"]["id"] for d in receiver.deliveries} == {  # type: ignore[index]
        m["id"] for m in applied["applied"]
    }


def test_failures_are_retried_three_times_and_counted(trello: Trello, receiver: Receiver) -> None:
    board = trello.board_ids()[0]
    hook = create_hook(trello, receiver, board)
    receiver.post_statuses.extend([500, 503, 502, 500])
    card = trello.client.get(f"/boards/{board}/cards", params={"limit": 1}).json()[0]
    trello.client.post(f"/cards/{card['id']}/actions/comments", params={"text": "retry me"})
    control = httpx.Client(base_url=trello.url)
    log = eventually(
        lambda: [
            d for d in control.get("/_emulator/webhooks/deliveries").json()["deliveries"] if d["outcome"] == "failed"
        ]
    )
    assert log[0]["attempt"] == 4
    assert len(receiver.deliveries) == 4
    assert len({d.body["action"]["id"] for d in receiver.deliveries}) == 1  # type: ignore[index]
    state = trello.client.get(f"/webhooks/{hook['id']}").json()
    assert state["consecutiveFailures"] == 4
    assert state["firstConsecutiveFailDate"].endswith("Z")


def test_a_410_answer_deletes_the_webhook(trello: Trello, receiver: Receiver) -> None:
    board = trello.board_ids()[0]
    hook = create_hook(trello, receiver, board)
    receiver.post_statuses.append(410)
    card = trello.client.get(f"/boards/{board}/cards", params={"limit": 1}).json()[0]
    trello.client.post(f"/cards/{card['id']}/actions/comments", params={"text": "gone"})
    eventually(lambda: trello.client.get(f"/webhooks/{hook['id']}").status_code == 404)
    assert trello.client.get(f"/tokens/{TOKEN}/webhooks").json() == []
    assert len(receiver.deliveries) == 1


def test_webhooks_can_be_read_edited_listed_and_deleted(trello: Trello, receiver: Receiver) -> None:
    board = trello.board_ids()[0]
    hook = create_hook(trello, receiver, board)
    edited = trello.client.put(f"/webhooks/{hook['id']}", json={"description": "renamed", "active": False}).json()
    assert (edited["description"], edited["active"]) == ("renamed", False)
    assert trello.client.get(f"/webhooks/{hook['id']}/active").json() == {"_value": False}
    assert [h["id"] for h in trello.client.get(f"/tokens/{TOKEN}/webhooks").json()] == [hook["id"]]
    assert trello.client.delete(f"/webhooks/{hook['id']}").status_code == 200
    assert trello.client.get(f"/webhooks/{hook['id']}").status_code == 404
