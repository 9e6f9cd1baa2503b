"""GET /1/batch over HTTP: answers in order as one-key objects named by status, per-route errors, the 10-route
cap, auth, the spec, and each route counted against the rate limits."""

from __future__ import annotations

import httpx

from tests.emulators.spec_validation import validate_exchange
from tests.emulators.trello.conftest import KEY, NOW, TOKEN, StartTrello, Trello

MISSING_CARD = "5f0000000000000000000000"


def batch(trello: Trello, routes: list[str], **params: str) -> httpx.Response:
    return trello.client.get("/batch", params={"urls": ",".join(routes), **params})


def test_each_route_answers_in_order_under_its_status(trello: Trello) -> None:
    board = trello.board_ids()[0]
    cards = trello.client.get(f"/boards/{board}/cards", params={"limit": 2, "fields": "id,name"}).json()
    routes = [f"/cards/{cards[0]['id']}?fields=id%2Cname", f"/cards/{MISSING_CARD}", f"/boards/{board}/lists"]
    response = batch(trello, routes)
    assert response.status_code == 200
    validate_exchange("trello", response, server=trello.api)
    first, missing, lists = response.json()
    assert first == {"200": {"id": cards[0]["id"], "name": cards[0]["name"]}}  # %2C: a comma of the route
    assert list(missing) == ["404"]
    assert isinstance(missing["404"], str)
    assert lists == {"200": trello.client.get(f"/boards/{board}/lists").json()}


def test_card_actions_come_as_their_own_route_would_send_them(trello: Trello) -> None:
    board = trello.board_ids()[0]
    card = trello.client.get(f"/boards/{board}/cards", params={"limit": 1}).json()[0]["id"]
    route = f"/cards/{card}/actions?filter=createCard%2CupdateCard&limit=1000"
    alone = trello.client.get(f"/cards/{card}/actions", params={"filter": "createCard,updateCard", "limit": 1000})
    assert batch(trello, [route]).json() == [{"200": alone.json()}]


def test_more_than_ten_routes_none_a_versioned_route_or_batch_itself_are_400(trello: Trello) -> None:
    board = trello.board_ids()[0]
    assert batch(trello, [f"/boards/{board}"] * 10).status_code == 200
    assert batch(trello, [f"/boards/{board}"] * 11).status_code == 400
    assert trello.client.get("/batch", params={"urls": ""}).status_code == 400
    assert batch(trello, [f"/1/boards/{board}"]).status_code == 400
    assert batch(trello, [f"/batch?urls=/boards/{board}"]).status_code == 400


def test_batch_needs_the_key_and_token(trello: Trello) -> None:
    board = trello.board_ids()[0]
    with httpx.Client(base_url=trello.api) as anonymous:
        response = anonymous.get("/batch", params={"urls": f"/boards/{board}"})
    assert response.status_code == 401


def test_each_route_counts_against_the_token_limit(trello_factory: StartTrello) -> None:
    trello = trello_factory(rate_limit=True)
    with httpx.Client(base_url=trello.url) as control:
        control.post("/_emulator/clock", json={"set": NOW.isoformat(), "freeze": True}).raise_for_status()
    board = trello.board_ids()[0]  # 1 request
    for _ in range(8):  # 8 batches of 10 routes, each 11 requests: 89 of the token's 100 so far
        assert all("200" in entry for entry in batch(trello, [f"/boards/{board}"] * 10).json())
    assert all("200" in entry for entry in batch(trello, [f"/boards/{board}"] * 9).json())  # 99
    answers = batch(trello, [f"/boards/{board}"] * 2)  # the batch is the 100th; its routes the 101st and 102nd
    assert answers.status_code == 200
    assert answers.json() == [{"429": {"error": "API_TOKEN_LIMIT_EXCEEDED", "message": "Rate limit exceeded"}}] * 2
    assert batch(trello, [f"/boards/{board}"]).status_code == 429
    assert trello.client.get(f"/boards/{board}", params={"key": KEY, "token": TOKEN}).status_code == 429
