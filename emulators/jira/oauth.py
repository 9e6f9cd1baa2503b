"""Atlassian's OAuth 2.0 token endpoint (``POST /oauth/token``) with rotating refresh tokens.

Each refresh answers a new access token and a new refresh token; the refresh token just used stops working
(a second use gives ``403 {"error": "invalid_grant"}``), as Atlassian's rotating refresh tokens do. The counts
let tests check how many refreshes a client made and how many were refused.
"""

from __future__ import annotations

import secrets
import threading
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

__all__ = ["DEMO_CLIENT_ID", "DEMO_CLIENT_SECRET", "OAuthServer", "oauth_router"]

DEMO_CLIENT_ID = "emulator-client"
DEMO_CLIENT_SECRET = "emulator-client-secret"
ACCESS_TOKEN_SECONDS = 3600


class OAuthServer:
    """The app's client credentials and the refresh tokens still valid; thread-safe."""

    def __init__(self, client_id: str = DEMO_CLIENT_ID, client_secret: str = DEMO_CLIENT_SECRET) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self._lock = threading.Lock()
        self._valid_refresh: set[str] = set()
        self.access_tokens: set[str] = set()
        self.refreshes = 0
        self.invalid_grants = 0

    def issue(self) -> dict[str, Any]:
        """A new token pair (what the authorization-code exchange would answer)."""
        access, refresh = "at-" + secrets.token_urlsafe(16), "rt-" + secrets.token_urlsafe(16)
        with self._lock:
            self._valid_refresh.add(refresh)
            self.access_tokens.add(access)
        return {
            "access_token": access,
            "refresh_token": refresh,
            "expires_in": ACCESS_TOKEN_SECONDS,
            "token_type": "Bearer",
            "scope": "read:jira-work offline_access",
        }

    def refresh(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """Answer one refresh-token grant: status and JSON body."""
        if body.get("client_id") != self.client_id or body.get("client_secret") != self.client_secret:
            return 401, {"error": "access_denied", "error_description": "Unauthorized"}
        if body.get("grant_type") != "refresh_token":
            return 400, {"error": "unsupported_grant_type"}
        with self._lock:
            token = str(body.get("refresh_token", ""))
            if token not in self._valid_refresh:
                self.invalid_grants += 1
                return 403, {"error": "invalid_grant", "error_description": "Unknown or invalid refresh token."}
            self._valid_refresh.discard(token)
            self.refreshes += 1
        return 200, self.issue()


def oauth_router(server: OAuthServer) -> APIRouter:
    """``POST /oauth/token`` (JSON or form body, as Atlassian accepts both)."""
    router = APIRouter()

    @router.post("/oauth/token", include_in_schema=False)
    async def token(request: Request) -> JSONResponse:
        if request.headers.get("content-type", "").startswith("application/json"):
            body = await request.json()
        else:
            body = dict(await request.form())
        status, answer = server.refresh(body if isinstance(body, dict) else {})
        return JSONResponse(answer, status_code=status)

    return router
