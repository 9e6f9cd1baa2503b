"""Every response type a connector reads, validated against Trello's published OpenAPI file.

The published file contradicts real Trello (and its own examples) in a few places; the emulator answers as
Trello does, and each contradiction is listed here and taken out of the copy that is validated:

* `format: date` on values Trello sends as date-times (`dateLastActivity`, `dateLastView`, attachment
  `date`, card `due` / `badges.due`, webhook `firstConsecutiveFailDate`); the spec's examples are date-times.
* `$ref` with a sibling `nullable: true`, which OpenAPI 3.0 ignores (`idMemberReferrer`, `idAttachmentCover`,
  `idEnterprise`, `edgeColor`, the card `cover`'s `idAttachment` and `color`), and the nullable enum
  `cardRole` (null is not in the enum).
* `Card.labels` typed as ids: Trello sends label objects, which py-trello reads (`Label.from_json_list`).
* `GET /boards/{id}/memberships` typed as one object: Trello sends an array (not validated here; tap-trello
  reads it in test_tap_trello).
"""

from __future__ import annotations

import json
from collections.abc import Iterable

import httpx
import pytest

from tests.emulators.spec_validation import validate_exchange
from tests.emulators.trello.conftest import TOKEN, Trello

DATE_TIME_AS_DATE = frozenset({"dateLastActivity", "dateLastView", "due", "firstConsecutiveFailDate"})
NULL_REFS = frozenset({"idMemberReferrer", "idAttachmentCover", "idEnterprise", "edgeColor", "cardRole"})
CARD_LABEL_OBJECTS = frozenset({"labels"})
COVER_NULL_REFS = frozenset({"idAttachment", "color"})  # card `cover`: $ref Color / TrelloID with nullable


def strip(value: object, keys: frozenset[str]) -> object:
    """A copy without the given keys at any depth."""
    if isinstance(value, dict):
        return {k: strip(v, keys) for k, v in value.items() if k not in keys}
    if isinstance(value, list):
        return [strip(v, keys) for v in value]
    return value


def validated(trello: Trello, response: httpx.Response, keys: Iterable[str] = ()) -> httpx.Response:
    """Validate `response` (minus the documented spec defects `keys`) and return it."""
    assert response.status_code in (200, 401, 404), response.text
    body = response.content
    if keys and response.headers.get("content-type", "").startswith("application/json"):
        body = json.dumps(strip(response.json(), frozenset(keys))).encode()
    copy = httpx.Response(response.status_code, headers=response.headers, content=body, request=response.request)
    validate_exchange("trello", copy, server=trello.api)
    return response


@pytest.fixture
def ids(trello: Trello) -> dict[str, str]:
    board = trello.board_ids()[0]
    card = trello.client.get(f"/boards/{board}/cards", params={"limit": 1}).json()[0]
    return {
        "board": board,
        "card": card["id"],
        "list": card["idList"],
        "me": trello.client.get("/members/me").json()["id"],
        "org": trello.ctx.catalog.workspace_id,
    }


def test_members(trello: Trello, ids: dict[str, str]) -> None:
    validated(trello, trello.client.get("/members/me"), NULL_REFS)
    validated(trello, trello.client.get(f"/members/{ids['me']}"), NULL_REFS)
    boards = validated(trello, trello.client.get(f"/members/{ids['me']}/boards"), DATE_TIME_AS_DATE)
    assert len(boards.json()) == 4
    validated(trello, trello.client.get(f"/members/{ids['me']}/organizations"), DATE_TIME_AS_DATE)


def test_boards_lists_and_labels(trello: Trello, ids: dict[str, str]) -> None:
    validated(trello, trello.client.get(f"/boards/{ids['board']}"))
    validated(trello, trello.client.get(f"/boards/{ids['board']}/lists"))
    validated(trello, trello.client.get(f"/boards/{ids['board']}/labels"))
    validated(trello, trello.client.get(f"/boards/{ids['board']}/members"))
    validated(trello, trello.client.get(f"/boards/{ids['board']}/customFields"))
    validated(trello, trello.client.get(f"/boards/{ids['board']}/checklists"))


def test_cards(trello: Trello, ids: dict[str, str]) -> None:
    card_keys = DATE_TIME_AS_DATE | NULL_REFS | CARD_LABEL_OBJECTS | COVER_NULL_REFS
    validated(trello, trello.client.get(f"/boards/{ids['board']}/cards/all", params={"limit": 1000}), card_keys)
    cards = validated(
        trello, trello.client.get(f"/lists/{ids['list']}/cards", params={"customFieldItems": "true"}), card_keys
    )
    assert cards.json()
    validated(trello, trello.client.get(f"/cards/{ids['card']}", params={"customFieldItems": "true"}), card_keys)
    validated(trello, trello.client.get(f"/cards/{ids['card']}/customFieldItems"))
    validated(trello, trello.client.get(f"/cards/{ids['card']}/attachments"), NULL_REFS | {"date"})
    validated(trello, trello.client.get(f"/cards/{ids['card']}/checklists"))


def test_actions(trello: Trello, ids: dict[str, str]) -> None:
    board_actions = trello.client.get(f"/boards/{ids['board']}/actions", params={"limit": 1000})
    validated(trello, board_actions, NULL_REFS)
    card_actions = trello.client.get(f"/cards/{ids['card']}/actions", params={"filter": "all"})
    assert card_actions.json()
    validated(trello, card_actions, NULL_REFS)
    validated(trello, trello.client.get(f"/organizations/{ids['org']}/actions"), NULL_REFS)
    comment = trello.client.post(f"/cards/{ids['card']}/actions/comments", params={"text": "spec check"})
    validated(trello, comment, NULL_REFS)


def test_organizations(trello: Trello, ids: dict[str, str]) -> None:
    validated(trello, trello.client.get(f"/organizations/{ids['org']}"), DATE_TIME_AS_DATE)
    validated(trello, trello.client.get(f"/organizations/{ids['org']}/members"), NULL_REFS)
    validated(trello, trello.client.get(f"/organizations/{ids['org']}/memberships"))


def test_card_writes(trello: Trello, ids: dict[str, str]) -> None:
    card_keys = DATE_TIME_AS_DATE | NULL_REFS | CARD_LABEL_OBJECTS | COVER_NULL_REFS
    created = trello.client.post("/cards", params={"idList": ids["list"], "name": "Spec card"})
    validated(trello, created, card_keys)
    updated = trello.client.put(f"/cards/{created.json()['id']}", params={"name": "Renamed", "closed": "true"})
    validated(trello, updated, card_keys)


def test_webhooks(trello: Trello, ids: dict[str, str], receiver: tuple[str, object]) -> None:
    url, _ = receiver
    created = trello.client.post(f"/tokens/{TOKEN}/webhooks", params={"callbackURL": url, "idModel": ids["board"]})
    validated(trello, created)
    validated(trello, trello.client.get(f"/tokens/{TOKEN}/webhooks"))
    validated(trello, trello.client.get(f"/webhooks/{created.json()['id']}"))
    validated(trello, trello.client.put(f"/webhooks/{created.json()['id']}", params={"description": "d"}))
    validated(trello, trello.client.delete(f"/webhooks/{created.json()['id']}"))


def test_errors_the_spec_defines_for_json_only_clients(trello: Trello, ids: dict[str, str]) -> None:
    json_only = {"Accept": "application/json"}
    anonymous = httpx.Client(base_url=trello.api, headers=json_only)
    unauthorized = validated(trello, anonymous.get(f"/boards/{ids['board']}"))
    assert unauthorized.json() == {"code": "UNAUTHORIZED", "message": "invalid key"}
    missing = validated(trello, trello.client.get("/boards/" + "f" * 24, headers=json_only))
    assert missing.status_code == 404
    # Without that Accept header the answer is Trello's plain text.
    assert httpx.get(f"{trello.api}/boards/{ids['board']}").text == "invalid key"
