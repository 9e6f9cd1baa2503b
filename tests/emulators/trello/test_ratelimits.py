"""Trello's rate limits over HTTP, on a frozen emulator clock: token, key, members, lockout, headers, off."""

from __future__ import annotations

import httpx

from emulators.trello.ratelimit import TrelloLimits
from tests.emulators.trello.conftest import KEY, NOW, TOKEN, StartTrello, Trello


def frozen(trello: Trello) -> httpx.Client:
    """Freeze the emulator clock at a window start; return a client for the control API."""
    control = httpx.Client(base_url=trello.url)
    control.post("/_emulator/clock", json={"set": NOW.isoformat(), "freeze": True})
    return control


def get(trello: Trello, path: str, token: str = TOKEN) -> httpx.Response:
    """A keep-alive request with this token (and the emulator's key)."""
    return trello.client.get(path, params={"key": KEY, "token": token})


def assert_refused(response: httpx.Response, error: str) -> None:
    assert response.status_code == 429
    assert response.json() == {"error": error, "message": "Rate limit exceeded"}
    assert int(response.headers["retry-after"]) >= 1


def test_100_requests_per_token_per_10_seconds_with_headers(trello_factory: StartTrello) -> None:
    trello = trello_factory(rate_limit=True)
    control = frozen(trello)
    board = trello.board_ids()[0]  # 1 request
    for used in range(2, 101):
        response = get(trello, f"/boards/{board}/lists")
        assert response.status_code == 200
        assert response.headers["x-rate-limit-api-token-interval-ms"] == "10000"
        assert response.headers["x-rate-limit-api-token-max"] == "100"
        assert response.headers["x-rate-limit-api-token-remaining"] == str(100 - used)
        assert response.headers["x-rate-limit-api-key-max"] == "300"
        assert response.headers["x-rate-limit-api-key-remaining"] == str(300 - used)
    refused = get(trello, f"/boards/{board}/lists")
    assert_refused(refused, "API_TOKEN_LIMIT_EXCEEDED")
    assert refused.headers["retry-after"] == "10"
    control.post("/_emulator/clock", json={"advance_seconds": 10})
    assert get(trello, f"/boards/{board}/lists").status_code == 200


def test_300_requests_per_key_across_tokens(trello_factory: StartTrello) -> None:
    trello = trello_factory(rate_limit=True, credentials={"token": "token-0"})
    frozen(trello)
    for token in ("token-0", "token-1", "token-2"):
        for _ in range(100):
            assert get(trello, "/boards/" + "0" * 24, token).status_code != 429
    assert_refused(get(trello, "/boards/" + "0" * 24, "token-3"), "API_KEY_LIMIT_EXCEEDED")


def test_members_routes_have_their_own_900_second_limit(trello_factory: StartTrello) -> None:
    trello = trello_factory(TrelloLimits(member_limit=3), rate_limit=True)
    control = frozen(trello)
    for _ in range(3):
        assert get(trello, "/members/me").status_code == 200
    refused = get(trello, "/members/me")
    assert_refused(refused, "MEMBER_LIMIT_EXCEEDED")
    assert int(refused.headers["retry-after"]) > 10
    board = trello.ctx.catalog.board_id(0)
    assert get(trello, f"/boards/{board}/members").status_code == 200
    control.post("/_emulator/clock", json={"advance_seconds": 10})
    assert get(trello, "/members/me").status_code == 429
    control.post("/_emulator/clock", json={"advance_seconds": 900})
    assert get(trello, "/members/me").status_code == 200


def test_more_than_200_refusals_lock_the_key_for_the_rest_of_the_window(trello_factory: StartTrello) -> None:
    trello = trello_factory(TrelloLimits(token_limit=2, key_limit=50, lockout_after=5), rate_limit=True)
    control = frozen(trello)
    board = trello.ctx.catalog.board_id(0)
    statuses = [get(trello, f"/boards/{board}/lists").status_code for _ in range(2 + 6)]
    assert statuses == [200, 200, *[429] * 6]
    # Another token of the same key is within its own limit, but the key is locked out.
    locked = get(trello, f"/boards/{board}/lists", token="other-token")
    assert_refused(locked, "API_KEY_LIMIT_EXCEEDED")
    control.post("/_emulator/clock", json={"advance_seconds": 10})
    assert get(trello, f"/boards/{board}/lists").status_code == 200


def test_rate_limit_off_admits_everything(trello_factory: StartTrello) -> None:
    trello = trello_factory(TrelloLimits(token_limit=2), rate_limit=False)
    frozen(trello)
    assert {get(trello, "/members/me").status_code for _ in range(5)} == {200}
    control = httpx.Client(base_url=trello.url)
    control.put("/_emulator/rate-limit", json={"enabled": True})
    assert [get(trello, "/members/me").status_code for _ in range(3)] == [200, 200, 429]
