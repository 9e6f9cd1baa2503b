"""Bearer authentication: the personal access token, and OAuth 2 access tokens from `POST /-/oauth_token`."""

from __future__ import annotations

import secrets
import threading
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import JSONResponse

from emulators.asana.catalog import Catalog
from emulators.asana.errors import AsanaError
from emulators.asana.settings import AsanaSettings
from emulators.clock import EmulatorClock

__all__ = ["ACCESS_TOKEN_LIFETIME", "TokenBook", "build_oauth_router"]

ACCESS_TOKEN_LIFETIME = 3600


class TokenBook:
    """Which bearer tokens are valid now, and which refresh tokens may mint new ones."""

    def __init__(self, settings: AsanaSettings, clock: EmulatorClock) -> None:
        self.settings = settings
        self.clock = clock
        self._lock = threading.Lock()
        self._access: dict[str, float] = {}  # OAuth access token -> expiry (emulated)
        self._refresh: set[str] = {settings.refresh_token}

    def authenticate(self, request: Request) -> str:
        """The caller's token; AsanaError(401) unless it is the PAT or a live OAuth access token."""
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise AsanaError(401, "Not Authorized")
        if token == self.settings.access_token:
            return token
        with self._lock:
            expiry = self._access.get(token)
        if expiry is None or expiry < self.clock.timestamp():
            raise AsanaError(401, "Not Authorized")
        return token

    def refresh(self, refresh_token: str) -> tuple[str, str]:
        """A new access token for a known refresh token (which stays valid); KeyError when unknown."""
        with self._lock:
            if refresh_token not in self._refresh:
                raise KeyError(refresh_token)
            access = f"oauth-{secrets.token_urlsafe(24)}"
            self._access[access] = self.clock.timestamp() + ACCESS_TOKEN_LIFETIME
            return access, refresh_token

    def exchange_code(self) -> tuple[str, str]:
        """authorization_code grant: any code gives a new refresh and access token pair."""
        refresh = f"refresh-{secrets.token_urlsafe(24)}"
        with self._lock:
            self._refresh.add(refresh)
        return self.refresh(refresh)


def _oauth_error(error: str, description: str) -> JSONResponse:
    return JSONResponse({"error": error, "error_description": description}, status_code=400)


def build_oauth_router(tokens: TokenBook, catalog: Catalog) -> APIRouter:
    """`POST /-/oauth_token` with the refresh_token (and authorization_code) grant, as a form body."""
    router = APIRouter(tags=["oauth"])

    @router.post("/-/oauth_token", response_model=None)
    def oauth_token(
        grant_type: Annotated[str, Form()],
        refresh_token: Annotated[str | None, Form()] = None,
        code: Annotated[str | None, Form()] = None,
        client_id: Annotated[str | None, Form()] = None,
        client_secret: Annotated[str | None, Form()] = None,
        redirect_uri: Annotated[str | None, Form()] = None,
    ) -> dict[str, object] | JSONResponse:
        if grant_type == "refresh_token":
            try:
                access, refresh = tokens.refresh(refresh_token or "")
            except KeyError:
                return _oauth_error("invalid_grant", "The refresh token is invalid or has been revoked.")
        elif grant_type == "authorization_code" and code:
            access, refresh = tokens.exchange_code()
        else:
            return _oauth_error("unsupported_grant_type", f"grant_type {grant_type!r} is not supported.")
        user = catalog.user(catalog.me)
        return {
            "access_token": access,
            "refresh_token": refresh,
            "expires_in": ACCESS_TOKEN_LIFETIME,
            "token_type": "bearer",
            "data": {"id": int(user["gid"]), "gid": user["gid"], "name": user["name"], "email": user["email"]},
        }

    return router
