"""P13: the token refresh race. 50 callers find the access token expired at once, 1,000 times, against the Jira
emulator's rotating-refresh-token endpoint over real HTTP: exactly one refresh per expiry, 0 ``invalid_grant``,
and the new pair persisted before any caller uses the new token. A refresher without single-flight (the control)
burns refresh tokens and gets ``invalid_grant``."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import httpx
import pytest

from connectors.errors import AuthError
from connectors.oauth import OAuthClient, OAuthTokens, RefreshingBearerAuth, RotatingTokenRefresher
from emulators.config import EmulatorConfig
from emulators.jira import PLUGIN
from emulators.jira.oauth import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, OAuthServer
from emulators.server import running_server

pytestmark = pytest.mark.reliability

CALLERS = 50
TRIALS = 1_000


@dataclass
class Clock:
    now: float = 1_000.0

    def __call__(self) -> float:
        return self.now


class RecordingStore:
    """A token store that records, in one global sequence, when each pair was saved."""

    def __init__(self, tokens: OAuthTokens, sequence: Iterator[int]) -> None:
        self.tokens = tokens
        self.sequence = sequence
        self.saved: list[tuple[int, OAuthTokens]] = []

    def load(self) -> OAuthTokens:
        return self.tokens

    def save(self, tokens: OAuthTokens) -> None:
        self.saved.append((next(self.sequence), tokens))
        self.tokens = tokens


class NoSingleFlight(RotatingTokenRefresher):
    """The control: every caller that sees the token expired refreshes it."""

    def access_token(self) -> str:
        tokens = self._tokens
        if self._fresh(tokens):
            return tokens.access_token
        self._tokens = self._refresh(tokens)
        return self._tokens.access_token


@pytest.fixture
def jira() -> Iterator[tuple[str, OAuthServer]]:
    config = EmulatorConfig(vendor="jira", seed=1, items=300)
    app = PLUGIN.build_app(config)
    with running_server(app) as url:
        yield url, app.state.jira_oauth


def build(kind: type[RotatingTokenRefresher], url: str, oauth: OAuthServer, http: httpx.Client):  # type: ignore[no-untyped-def]
    clock, sequence = Clock(), itertools.count()
    initial = oauth.issue()
    store = RecordingStore(
        OAuthTokens(initial["access_token"], initial["refresh_token"], clock() + initial["expires_in"]), sequence
    )
    client = OAuthClient(f"{url}/oauth/token", DEMO_CLIENT_ID, DEMO_CLIENT_SECRET)
    return kind(client, store, http, clock=clock), store, clock, sequence


def race(refresher: RotatingTokenRefresher, pool: ThreadPoolExecutor, sequence: Iterator[int]) -> list[tuple[str, int]]:
    barrier = threading.Barrier(CALLERS)

    def caller(_: int) -> tuple[str, int]:
        barrier.wait()
        token = refresher.access_token()
        return token, next(sequence)

    return list(pool.map(caller, range(CALLERS)))


def test_p13_fifty_callers_one_refresh_per_expiry_over_a_thousand_trials(jira: tuple[str, OAuthServer]) -> None:
    url, oauth = jira
    with httpx.Client(timeout=30) as http, ThreadPoolExecutor(CALLERS) as pool:
        refresher, store, clock, sequence = build(RotatingTokenRefresher, url, oauth, http)
        for trial in range(1, TRIALS + 1):
            clock.now = store.tokens.expires_at + 1  # the access token has just expired
            results = race(refresher, pool, sequence)
            assert {token for token, _ in results} == {store.tokens.access_token}
            assert len(store.saved) == trial
            saved_at = store.saved[-1][0]
            assert all(received > saved_at for _, received in results)  # persisted before the first use
    assert (oauth.refreshes, oauth.invalid_grants, refresher.refreshes) == (TRIALS, 0, TRIALS)
    assert store.tokens.access_token in oauth.access_tokens


def test_p13_control_without_single_flight_gets_invalid_grant(jira: tuple[str, OAuthServer]) -> None:
    url, oauth = jira
    refused = 0
    with httpx.Client(timeout=30) as http, ThreadPoolExecutor(CALLERS) as pool:
        refresher, store, clock, sequence = build(NoSingleFlight, url, oauth, http)
        for _ in range(20):
            clock.now = store.tokens.expires_at + 1
            try:
                race(refresher, pool, sequence)
            except AuthError:
                refused += 1
            if refused:
                break
    assert refused > 0
    assert oauth.invalid_grants > 0


def test_a_401_on_a_replaced_token_retries_without_refreshing_again(jira: tuple[str, OAuthServer]) -> None:
    url, oauth = jira
    with httpx.Client(timeout=30) as http:
        refresher, store, _clock, _ = build(RotatingTokenRefresher, url, oauth, http)
        first = refresher.access_token()
        renewed = refresher.after_unauthorized(first)
        assert renewed != first
        assert refresher.after_unauthorized(first) == renewed  # a late 401 on the old token: no second refresh
        assert (oauth.refreshes, oauth.invalid_grants) == (1, 0)
        seen: list[str] = []

        def vendor(request: httpx.Request) -> httpx.Response:
            seen.append(request.headers["Authorization"])
            return httpx.Response(401 if len(seen) == 1 else 200, json={})

        with httpx.Client(transport=httpx.MockTransport(vendor), auth=RefreshingBearerAuth(refresher)) as api:
            assert api.get("https://jira.example/rest/api/3/myself").status_code == 200
        assert seen == [f"Bearer {renewed}", f"Bearer {store.tokens.access_token}"]
        assert oauth.refreshes == 2
