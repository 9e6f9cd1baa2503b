"""Trailing-slash tolerance: py-trello calls `members/me/boards/?filter=` and posts to `tokens/{t}/webhooks/`."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = ["TrailingSlashMiddleware"]


class TrailingSlashMiddleware:
    """Serve `/1/x/` as `/1/x` (instead of a redirect that a POST would not survive)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path: str = scope["path"]
            if len(path) > 3 and path.endswith("/") and path.startswith("/1/"):
                trimmed = path.rstrip("/")
                scope = {**scope, "path": trimmed, "raw_path": trimmed.encode("latin-1")}
        await self.app(scope, receive, send)
