"""The Trello REST surface over real HTTP: auth, paths, boards, cards paging, archive, writes and their actions."""

from __future__ import annotations

import httpx
import pytest

from emulators.ids import trello_id_created_at
from emulators.trello.boards import OPEN_CARDS_DISABLE_AT
from tests.emulators.trello.conftest import ITEMS, KEY, TOKEN, StartTrello, Trello

EN_DASH = "\u2013"


def all_cards(trello: Trello, board: str, **params: object) -> list[dict[str, object]]:
    response = trello.client.get(f"/boards/{board}/cards/all", params=params)
    assert response.status_code == 200, response.text
    cards: list[dict[str, object]] = response.json()
    return cards


def first_open_card(trello: Trello) -> dict[str, object]:
    board = trello.board_ids()[0]
    return trello.client.get(f"/boards/{board}/cards", params={"limit": 1}).json()[0]  # type: ignore[no-any-return]


# ----- auth and paths
def test_key_and_token_or_an_oauth_header_authenticate_and_anything_else_is_a_plain_401(trello: Trello) -> None:
    bare = httpx.Client(base_url=trello.api)
    oauth = f'OAuth oauth_consumer_key="{KEY}", oauth_token="{TOKEN}", oauth_signature="c2lnbmF0dXJl"'
    assert bare.get("/members/me", headers={"Authorization": oauth}).json()["id"]
    assert bare.get("/members/me", params={"key": KEY, "token": TOKEN}).status_code == 200
    cases = [
        ({}, "invalid key"),
        ({"key": "nope", "token": TOKEN}, "invalid key"),
        ({"key": KEY}, "unauthorized permission requested"),
        ({"key": KEY, "token": "nope"}, "invalid token"),
    ]
    for params, message in cases:
        response = bare.get("/members/me", params=params)
        assert (response.status_code, response.text) == (401, message)
        assert response.headers["content-type"].startswith("text/plain")
    unsigned = f'OAuth oauth_consumer_key="{KEY}", oauth_token="{TOKEN}"'
    assert bare.get("/members/me", headers={"Authorization": unsigned}).status_code == 401


def test_double_slashes_and_trailing_slashes_are_tolerated(trello: Trello) -> None:
    client = httpx.Client(base_url=trello.url, params={"key": KEY, "token": TOKEN})
    me = client.get("/1//members/me").json()
    assert client.get(f"/1//members/{me['id']}/boards").status_code == 200
    assert len(client.get("/1/members/me/boards/", params={"filter": "all"}).json()) == 4


def test_malformed_and_unknown_ids(trello: Trello) -> None:
    malformed = trello.client.get("/boards/nope")
    assert (malformed.status_code, malformed.text) == (400, "invalid id")
    assert trello.client.get("/cards/" + "0" * 24).status_code == 404


# ----- boards, lists, members, labels, custom fields
def test_boards_are_teams_and_lists_are_their_workflow(trello: Trello) -> None:
    org = trello.ctx.runtime.org
    boards = trello.client.get("/members/me/boards", params={"fields": "name,url"}).json()
    assert [b["name"] for b in boards] == [t.name for t in org.teams(trello.ctx.vendor)]
    assert set(boards[0]) == {"id", "name", "url"}
    for board, team in zip(boards, org.teams(trello.ctx.vendor), strict=True):
        lists = trello.client.get(f"/boards/{board['id']}/lists").json()
        assert [lst["name"] for lst in lists] == [s.name for s in team.workflow.statuses]
        assert [lst["pos"] for lst in lists] == sorted(lst["pos"] for lst in lists)


def test_board_embeds_lists_members_labels_custom_fields_and_the_open_cards_limit(trello: Trello) -> None:
    board = trello.board_ids()[0]
    params = {"lists": "open", "members": "all", "labels": "all", "customFields": "true", "fields": "all"}
    document = trello.client.get(f"/boards/{board}", params=params).json()
    assert len(document["lists"]) >= 6
    assert {"fullName", "username", "id"} <= set(document["members"][0])
    assert document["customFields"][0]["type"] == "number"
    limit = document["limits"]["cards"]["openPerBoard"]
    assert limit["disableAt"] == OPEN_CARDS_DISABLE_AT
    open_cards = len(trello.client.get(f"/boards/{board}/cards/open").json())
    assert trello.ctx.board_cards.open_count(trello.ctx.catalog.find_board(board) or 0) == open_cards
    assert limit["status"] == "ok"


def test_card_custom_field_items_and_labels_refer_to_the_board(trello: Trello) -> None:
    for board in trello.board_ids():
        fields = {f["id"] for f in trello.client.get(f"/boards/{board}/customFields").json()}
        labels = {label["id"] for label in trello.client.get(f"/boards/{board}/labels", params={"limit": 1000}).json()}
        for card in all_cards(trello, board, customFieldItems="true"):
            assert {i["idCustomField"] for i in card["customFieldItems"]} <= fields  # type: ignore[attr-defined]
            assert set(card["idLabels"]) <= labels  # type: ignore[arg-type]


def test_members_me_and_by_id(trello: Trello) -> None:
    me = trello.client.get("/members/me").json()
    assert trello.client.get(f"/members/{me['id']}").json()["username"] == me["username"]
    assert trello.client.get(f"/members/{me['username']}").json()["id"] == me["id"]
    assert len(me["idBoards"]) == 4
    organizations = trello.client.get("/members/me/organizations").json()
    assert organizations[0]["idBoards"] == me["idBoards"]
    assert trello.client.get(f"/organizations/{organizations[0]['id']}/members").json()


# ----- cards
def test_cards_all_returns_every_card_with_archived_ones_closed(trello: Trello) -> None:
    total = closed = 0
    for board in trello.board_ids():
        cards = all_cards(trello, board)
        total += len(cards)
        closed += sum(1 for c in cards if c["closed"])
        closed_only = trello.client.get(f"/boards/{board}/cards/closed").json()
        open_only = trello.client.get(f"/boards/{board}/cards").json()
        assert {c["id"] for c in closed_only} == {c["id"] for c in cards if c["closed"]}
        assert len(open_only) + len(closed_only) == len(cards)
    assert total == ITEMS
    assert 0 < closed < ITEMS


def test_before_pages_newest_first_by_card_id_and_dates_compare_by_creation(trello: Trello) -> None:
    board = trello.board_ids()[1]
    everything = sorted(c["id"] for c in all_cards(trello, board))  # type: ignore[type-var]
    seen: list[str] = []
    before: str | None = None
    while True:
        params: dict[str, object] = {"limit": 40, **({"before": before} if before else {})}
        page = all_cards(trello, board, **params)
        seen.extend(c["id"] for c in page)  # type: ignore[misc]
        assert [c["id"] for c in page] == sorted((c["id"] for c in page), reverse=True)  # type: ignore[type-var]
        if len(page) < 40:
            break
        before = str(page[-1]["id"])
    assert sorted(seen) == everything
    middle = everything[len(everything) // 2]
    moment = trello_id_created_at(middle).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    older = all_cards(trello, board, before=moment, limit=1000)
    assert {c["id"] for c in older} == {i for i in everything if i[:8] < middle[:8]}
    newer = all_cards(trello, board, since=middle, limit=1000)
    assert {c["id"] for c in newer} == {i for i in everything if i > middle}


def test_limit_above_1000_is_refused(trello: Trello) -> None:
    board = trello.board_ids()[0]
    response = trello.client.get(f"/boards/{board}/cards/all", params={"limit": 1001})
    assert (response.status_code, response.text) == (400, "invalid value for limit")


def test_card_detail_fields_badges_and_attachments(trello: Trello) -> None:
    card = first_open_card(trello)
    detail = trello.client.get(f"/cards/{card['id']}", params={"customFieldItems": "true", "attachments": "true"})
    document = detail.json()
    assert document["badges"]["attachments"] == len(document["attachments"])
    assert document["url"].startswith(f"https://trello.com/c/{document['shortLink']}/{document['idShort']}-")
    assert document["dateLastActivity"].endswith("Z")
    assert len(document["dateLastActivity"]) == len("2017-05-31T18:52:54.933Z")
    narrow = trello.client.get(f"/cards/{card['id']}", params={"fields": "name,idList"}).json()
    assert set(narrow) == {"id", "name", "idList"}
    comments = trello.client.get(f"/cards/{card['id']}/actions", params={"filter": "commentCard"}).json()
    assert len(comments) == document["badges"]["comments"]


# ----- writes
def test_create_move_archive_restore_and_delete_produce_actions(trello: Trello) -> None:
    board = trello.board_ids()[0]
    lists = trello.client.get(f"/boards/{board}/lists").json()
    todo, doing = lists[1], lists[2]
    me = trello.client.get("/members/me").json()["id"]
    created = trello.client.post("/cards", json={"idList": todo["id"], "name": "Emulated card", "idMembers": me})
    assert created.status_code == 200, created.text
    card = created.json()
    assert (card["idList"], card["idMembers"], card["closed"]) == (todo["id"], [me], False)
    moved = trello.client.put(f"/cards/{card['id']}", params={"idList": doing["id"], "desc": "Now with text"}).json()
    assert (moved["idList"], moved["desc"]) == (doing["id"], "Now with text")
    assert trello.client.put(f"/cards/{card['id']}", json={"closed": True}).json()["closed"] is True
    assert card["id"] in {c["id"] for c in all_cards(trello, board)}
    assert card["id"] in {c["id"] for c in trello.client.get(f"/boards/{board}/cards/closed").json()}
    assert trello.client.put(f"/cards/{card['id']}/closed", json={"value": "false"}).json()["closed"] is False
    due = trello.client.put(f"/cards/{card['id']}", json={"due": "2025-07-01T15:00:00.000Z"}).json()["due"]
    assert due == "2025-07-01T12:00:00.000Z"
    actions = trello.client.get(f"/boards/{board}/actions", params={"limit": 10}).json()
    mine = [a for a in actions if a["data"]["card"]["id"] == card["id"]]
    assert [a["type"] for a in mine] == [*["updateCard"] * 5, "createCard"]
    assert mine[0]["data"]["old"] == {"due": None}
    assert mine[1]["data"]["old"] == {"closed": True}
    assert mine[2]["data"]["old"] == {"closed": False}
    move = next(a for a in mine if "listAfter" in a["data"])
    assert (move["data"]["listBefore"]["id"], move["data"]["listAfter"]["id"]) == (todo["id"], doing["id"])
    assert move["data"]["old"] == {"idList": todo["id"]}
    assert trello.client.delete(f"/cards/{card['id']}").status_code == 200
    assert trello.client.get(f"/cards/{card['id']}").status_code == 404
    assert trello.client.get(f"/boards/{board}/actions", params={"limit": 1}).json()[0]["type"] == "deleteCard"


def test_comments_members_labels_and_points_become_actions(trello: Trello) -> None:
    card = first_open_card(trello)
    card_id, board = str(card["id"]), str(card["idBoard"])
    comment = trello.client.post(f"/cards/{card_id}/actions/comments", params={"text": f"Looks good {EN_DASH} ship it"})
    assert comment.json()["type"] == "commentCard"
    assert comment.json()["data"]["text"] == f"Looks good {EN_DASH} ship it"
    members = trello.client.get(f"/boards/{board}/members").json()
    labels = trello.client.get(f"/boards/{board}/labels").json()
    field = trello.client.get(f"/boards/{board}/customFields").json()[0]
    new_label = next(label["id"] for label in labels if label["id"] not in card["idLabels"])  # type: ignore[operator]
    id_labels = ",".join([*card["idLabels"], new_label])  # type: ignore[misc]
    trello.client.put(f"/cards/{card_id}", json={"idMembers": members[-1]["id"], "idLabels": id_labels})
    item = trello.client.put(f"/card/{card_id}/customField/{field['id']}/item", json={"value": {"number": "13"}})
    assert item.json()["value"] == {"number": "13"}
    refreshed = trello.client.get(f"/cards/{card_id}/customFieldItems").json()
    assert refreshed[0]["value"] == {"number": "13"}
    types = [a["type"] for a in trello.client.get(f"/boards/{board}/actions", params={"limit": 8}).json()]
    assert types[0] == "updateCustomFieldItem"
    assert {"addMemberToCard", "addLabelToCard", "commentCard"} <= set(types)
    assert trello.client.get(f"/cards/{card_id}").json()["badges"]["comments"] == card["badges"]["comments"] + 1  # type: ignore[index]


def test_the_open_cards_ceiling_refuses_new_cards(trello: Trello, monkeypatch: pytest.MonkeyPatch) -> None:
    board = trello.board_ids()[0]
    todo = trello.client.get(f"/boards/{board}/lists").json()[1]
    open_now = len(trello.client.get(f"/boards/{board}/cards").json())
    monkeypatch.setattr("emulators.trello.card_writes.OPEN_CARDS_DISABLE_AT", open_now + 1)
    assert trello.client.post("/cards", json={"idList": todo["id"], "name": "last one"}).status_code == 200
    refused = trello.client.post("/cards", json={"idList": todo["id"], "name": "one too many"})
    assert refused.status_code == 400
    assert "open cards" in refused.text


# ----- actions
def test_board_actions_are_newest_first_and_page_by_action_id_and_date(trello: Trello) -> None:
    board = trello.board_ids()[2]
    everything = trello.client.get(f"/boards/{board}/actions", params={"limit": 1000}).json()
    dates = [a["date"] for a in everything]
    assert dates == sorted(dates, reverse=True)
    assert len(everything) > 100
    paged: list[str] = []
    before: str | None = None
    while True:
        page = trello.client.get(
            f"/boards/{board}/actions", params={"limit": 37, **({"before": before} if before else {})}
        ).json()
        paged.extend(a["id"] for a in page)
        if len(page) < 37:
            break
        before = page[-1]["id"]
    assert paged == [a["id"] for a in everything]
    pages = [trello.client.get(f"/boards/{board}/actions", params={"limit": 50, "page": p}).json() for p in (0, 1)]
    assert [a["id"] for a in pages[0] + pages[1]] == [a["id"] for a in everything[:100]]
    pivot = everything[60]
    since = trello.client.get(f"/boards/{board}/actions", params={"since": pivot["id"], "limit": 1000}).json()
    assert [a["id"] for a in since] == [a["id"] for a in everything[:60]]
    by_date = trello.client.get(f"/boards/{board}/actions", params={"before": pivot["date"], "limit": 1000}).json()
    assert all(a["date"] < pivot["date"] for a in by_date)
    assert len(by_date) == sum(1 for a in everything if a["date"] < pivot["date"])


def test_action_filters(trello: Trello) -> None:
    board = trello.board_ids()[0]
    moves = trello.client.get(f"/boards/{board}/actions", params={"filter": "updateCard:idList", "limit": 200}).json()
    assert moves
    assert all("listAfter" in a["data"] for a in moves)
    created = trello.client.get(f"/boards/{board}/actions", params={"filter": "createCard", "limit": 1000}).json()
    assert len(created) == len(all_cards(trello, board))
    assert trello.client.get(f"/boards/{board}/actions", params={"limit": 1001}).status_code == 400


def test_mutations_through_the_control_api_become_actions(trello: Trello) -> None:
    control = httpx.Client(base_url=trello.url)
    applied = control.post("/_emulator/mutations", json={"count": 5, "kinds": ["comment"]}).json()["applied"]
    newest = trello.client.get(
        f"/organizations/{trello.ctx.catalog.workspace_id}/actions", params={"limit": 5, "filter": "commentCard"}
    ).json()
    assert {a["data"]["card"]["id"] for a in newest} == {m["id"] for m in applied}


def test_faults_use_trello_bodies(trello_factory: StartTrello) -> None:
    trello = trello_factory(faults="500=1.0")
    response = trello.client.get("/members/me")
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("text/plain")
