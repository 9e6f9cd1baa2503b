"""Authentication: `key`/`token` parameters, or py-trello's OAuth 1 header; Trello's plain-text 401s."""

from __future__ import annotations

import re
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from fastapi import Request

from emulators.trello.errors import TrelloError
from emulators.trello.params import read_params

__all__ = ["Credentials", "authenticator", "credentials_from", "parse_oauth_header"]

_OAUTH_PARAM = re.compile(r'(\w+)="([^"]*)"')


@dataclass(frozen=True)
class Credentials:
    """What a request presents: an API key, a user token, and whether an OAuth 1 signature came with them."""

    key: str | None
    token: str | None
    signed: bool = True


def parse_oauth_header(header: str) -> dict[str, str] | None:
    """The parameters of an `Authorization: OAuth k="v", …` header, or None for another scheme."""
    scheme, _, rest = header.strip().partition(" ")
    if scheme.lower() != "oauth":
        return None
    return {name: unquote(value) for name, value in _OAUTH_PARAM.findall(rest)}


def credentials_from(params: Mapping[str, object], authorization: str | None) -> Credentials | None:
    """Key and token from `key`/`token` parameters, else from an OAuth header; None when neither is there."""
    key, token = params.get("key"), params.get("token")
    if key is not None or token is not None:
        return Credentials(None if key is None else str(key), None if token is None else str(token))
    oauth = parse_oauth_header(authorization or "")
    if oauth is None:
        return None
    return Credentials(oauth.get("oauth_consumer_key"), oauth.get("oauth_token"), "oauth_signature" in oauth)


def check(credentials: Credentials | None, api_key: str, token: str) -> None:
    """Raise Trello's 401 unless the credentials are the emulator's key and token."""
    if credentials is None or credentials.key is None or credentials.key != api_key:
        raise TrelloError(401, "invalid key")
    if credentials.token is None or not credentials.signed:
        raise TrelloError(401, "unauthorized permission requested")
    if credentials.token != token:
        raise TrelloError(401, "invalid token")


def authenticator(api_key: str, token: str) -> Callable[[Request], Coroutine[Any, Any, Credentials]]:
    """A FastAPI dependency accepting the emulator's credentials (a `/tokens/{token}/…` path counts as the token)."""

    async def authenticate(request: Request) -> Credentials:
        params = await read_params(request)
        found = credentials_from(params.values, request.headers.get("authorization"))
        path_token = request.path_params.get("token")
        if path_token is not None and (found is None or found.token is None):
            found = Credentials(found.key if found else None, str(path_token))
        check(found, api_key, token)
        assert found is not None
        return found

    return authenticate
