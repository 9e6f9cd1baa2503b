"""OAuth 2.0 access tokens with rotating refresh tokens (Atlassian 3LO), refreshed single-flight.

Atlassian rotates refresh tokens: each refresh answers a new refresh token and the one just used stops working.
Two callers refreshing at once would therefore burn the token twice, and the second gets ``invalid_grant``
(the connection is then locked out until someone re-authorises it). So:

- one refresh per expiry, whatever the number of callers: the first caller to see the token expired refreshes
  under a lock; the others wait for it and use its result (P13);
- the new token pair is persisted (:class:`TokenStore`) before any caller receives the new access token, so a
  crash right after a refresh never loses the only valid refresh token;
- a 401 on a token refreshes only when that token is still the current one (a 401 on a token somebody already
  replaced just retries with the new one).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Protocol

import httpx

from connectors.errors import AuthError, UpstreamError

__all__ = ["OAuthClient", "OAuthTokens", "RefreshingBearerAuth", "RotatingTokenRefresher", "TokenStore"]

EXPIRY_MARGIN_SECONDS = 60.0


@dataclass(frozen=True)
class OAuthTokens:
    """An access token, the refresh token that replaces it, and when the access token expires (clock seconds)."""

    access_token: str
    refresh_token: str
    expires_at: float


class TokenStore(Protocol):
    """Where a connection's current token pair lives (the store, encrypted, in production)."""

    def load(self) -> OAuthTokens: ...

    def save(self, tokens: OAuthTokens) -> None: ...


@dataclass(frozen=True)
class OAuthClient:
    """The OAuth app: the token endpoint and the app's credentials."""

    token_url: str
    client_id: str
    client_secret: str


class RotatingTokenRefresher:
    """The current access token of one connection, refreshed once per expiry however many threads ask."""

    def __init__(
        self,
        client: OAuthClient,
        store: TokenStore,
        http: httpx.Client,
        *,
        clock: Callable[[], float],
        margin_seconds: float = EXPIRY_MARGIN_SECONDS,
    ) -> None:
        self._client = client
        self._store = store
        self._http = http
        self._clock = clock
        self._margin = margin_seconds
        self._lock = threading.Lock()
        self._tokens = store.load()
        self.refreshes = 0

    def _fresh(self, tokens: OAuthTokens) -> bool:
        return self._clock() < tokens.expires_at - self._margin

    def access_token(self) -> str:
        """A valid access token: the current one, or (single-flight) a refreshed one when it expired."""
        tokens = self._tokens
        if self._fresh(tokens):
            return tokens.access_token
        with self._lock:
            if not self._fresh(self._tokens):  # still expired once we hold the lock: this caller refreshes
                self._tokens = self._refresh(self._tokens)
            return self._tokens.access_token

    def after_unauthorized(self, rejected_access_token: str) -> str:
        """The token to retry with after a 401 on ``rejected_access_token`` (refreshed only if still current)."""
        with self._lock:
            if self._tokens.access_token == rejected_access_token:
                self._tokens = self._refresh(self._tokens)
            return self._tokens.access_token

    def _refresh(self, current: OAuthTokens) -> OAuthTokens:
        try:
            response = self._http.post(
                self._client.token_url,
                json={
                    "grant_type": "refresh_token",
                    "client_id": self._client.client_id,
                    "client_secret": self._client.client_secret,
                    "refresh_token": current.refresh_token,
                },
            )
        except httpx.TransportError as error:
            raise UpstreamError(f"token refresh: network: {type(error).__name__}") from error
        if response.status_code >= 500:
            raise UpstreamError(f"token refresh: HTTP {response.status_code}", status=response.status_code)
        body = response.json() if response.content else {}
        if response.status_code != 200:
            # invalid_grant: the refresh token is spent or revoked; only re-authorising the app helps.
            raise AuthError(f"token refresh refused: {body.get('error', response.status_code)}", status=401)
        tokens = OAuthTokens(
            access_token=str(body["access_token"]),
            refresh_token=str(body.get("refresh_token") or current.refresh_token),
            expires_at=self._clock() + float(body.get("expires_in", 3600)),
        )
        self._store.save(tokens)  # persisted before any caller sees the new access token
        self.refreshes += 1
        return tokens


class RefreshingBearerAuth(httpx.Auth):
    """httpx auth: the refresher's current token as ``Bearer``; after a 401, one retry with a fresh token."""

    def __init__(self, refresher: RotatingTokenRefresher) -> None:
        self._refresher = refresher

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Send with the current token; on 401 refresh (if nobody did) and send once more."""
        token = self._refresher.access_token()
        request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        if response.status_code == 401:
            request.headers["Authorization"] = f"Bearer {self._refresher.after_unauthorized(token)}"
            yield request
