"""Checks vendors run against a receiver when a webhook is created (Trello HEAD, Asana X-Hook-Secret)."""

from __future__ import annotations

import httpx

__all__ = ["asana_handshake", "head_check"]


async def head_check(url: str, *, wait_seconds: float = 10.0) -> bool:
    """Trello: HEAD the callback URL; the webhook is created only on a 200."""
    try:
        async with httpx.AsyncClient(timeout=wait_seconds) as client:
            response = await client.head(url)
    except httpx.HTTPError:
        return False
    return response.status_code == 200


async def asana_handshake(url: str, secret: str, *, wait_seconds: float = 10.0) -> bool:
    """Asana: POST an empty body with X-Hook-Secret; the receiver must answer 200/204 echoing the secret."""
    try:
        async with httpx.AsyncClient(timeout=wait_seconds) as client:
            response = await client.post(url, content=b"", headers={"X-Hook-Secret": secret})
    except httpx.HTTPError:
        return False
    return response.status_code in (200, 204) and response.headers.get("x-hook-secret") == secret
