"""py-trello 0.20.1, unmodified, against the emulator: its hard-coded hosts are rewritten by an http_service."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import requests
from trello import TrelloClient
from trello.customfield import CustomFieldNumber

from tests.emulators.conftest import Receiver
from tests.emulators.trello.conftest import ITEMS, KEY, NOW, SECRET, TOKEN, Trello

HOSTS = ("https://api.trello.com/1/", "https://trello.com/1/")


class EmulatorHttpService:
    """What py-trello calls instead of `requests` (vendor-apis.md §6): same calls, the emulator's host."""

    def __init__(self, api: str) -> None:
        self.api = api.rstrip("/") + "/"
        self.session = requests.Session()
        self.sent: list[requests.PreparedRequest] = []

    def _local(self, url: str) -> str:
        for host in HOSTS:
            if url.startswith(host):
                return self.api + url[len(host) :]
        raise AssertionError(f"unexpected URL {url}")

    def request(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        response = self.session.request(method, self._local(url), **kwargs)
        self.sent.append(response.request)
        return response

    def post(self, url: str, **kwargs: Any) -> requests.Response:
        response = self.session.post(self._local(url), **kwargs)
        self.sent.append(response.request)
        return response


@pytest.fixture(params=["oauth-header", "key-token-params"])
def client(request: pytest.FixtureRequest, trello: Trello) -> tuple[TrelloClient, EmulatorHttpService]:
    """Both py-trello auth styles: with a token (OAuth 1 header) and with token=None (`?key=&token=`)."""
    service = EmulatorHttpService(trello.api)
    if request.param == "oauth-header":
        return TrelloClient(api_key=KEY, api_secret=SECRET, token=TOKEN, http_service=service), service
    return TrelloClient(api_key=KEY, api_secret=TOKEN, http_service=service), service


def test_boards_lists_every_card_and_actions(client: tuple[TrelloClient, EmulatorHttpService], trello: Trello) -> None:
    trello_client, service = client
    boards = trello_client.list_boards()
    assert len(boards) == 4
    total = archived = 0
    for board in boards:
        lists = board.get_lists("open")
        assert [lst.name for lst in lists][:2] == ["Backlog", "To Do"]
        cards = board.all_cards()
        total += len(cards)
        archived += sum(1 for card in cards if card.closed)
        assert {card.idList for card in cards} <= {lst.id for lst in lists}
        actions = board.fetch_actions("createCard,updateCard,commentCard", action_limit=1000)
        assert [a["date"] for a in actions] == sorted((a["date"] for a in actions), reverse=True)
        assert {a["type"] for a in actions} == {"createCard", "updateCard", "commentCard"}
        recent = board.fetch_actions("all", action_limit=1000, since=NOW - timedelta(days=3))
        assert all(a["date"] >= (NOW - timedelta(days=3)).strftime("%Y-%m-%dT%H:%M:%S") for a in recent)
    assert total == ITEMS
    assert archived > 0
    first = service.sent[0]
    if trello_client.oauth is not None:
        header = first.headers["Authorization"]
        assert (header.decode() if isinstance(header, bytes) else header).startswith("OAuth oauth_")
        assert "key=" not in (first.url or "")
    else:
        assert "key=emulator-key" in (first.url or "")
        assert "token=emulator-token" in (first.url or "")


def test_card_fetch_comments_members_and_points(client: tuple[TrelloClient, EmulatorHttpService]) -> None:
    trello_client, _ = client
    board = trello_client.list_boards()[0]
    cards = [c for c in board.open_cards() if c.badges["comments"] > 0 and c.customFields]
    card = trello_client.get_card(cards[0].id)
    card.fetch()
    assert len(card.comments) == card.badges["comments"]
    assert isinstance(card.customFields[0], CustomFieldNumber)
    assert card.customFields[0].name == "Story Points"
    assert board.get_custom_field_definitions()[0].field_type == "number"
    members = board.get_members()
    assert members
    assert members[0].full_name


def test_webhooks_through_py_trello(
    client: tuple[TrelloClient, EmulatorHttpService], receiver: tuple[str, Receiver]
) -> None:
    trello_client, _ = client
    url, seen = receiver
    board = trello_client.list_boards()[0]
    hook = trello_client.create_hook(url, board.id, desc="py-trello")
    assert seen.requests[0][0] == "HEAD"
    assert [h.id for h in trello_client.list_hooks()] == [hook.id]
    hook.delete()
    assert trello_client.list_hooks() == []
