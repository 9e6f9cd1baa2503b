"""Path tolerance peers need: `//` collapsed, anything before a vendor anchor such as `/rest/` dropped."""

from __future__ import annotations

import re
from collections.abc import Sequence

from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = ["CONTROL_PREFIX", "PathNormalizerMiddleware", "is_control_path", "normalize_path"]

CONTROL_PREFIX = "/_emulator"
_SLASHES = re.compile(r"/{2,}")


def is_control_path(path: str) -> bool:
    """True for the emulator's own control API, which is never faulted nor rate limited."""
    return path == CONTROL_PREFIX or path.startswith(CONTROL_PREFIX + "/")


def normalize_path(path: str, anchors: Sequence[str]) -> str:
    """Collapse repeated slashes, then cut what precedes the first anchor (`/x.atlassian.net/rest/`)."""
    path = _SLASHES.sub("/", path) or "/"
    for anchor in (*anchors, CONTROL_PREFIX + "/"):
        position = path.find(anchor)
        if position > 0:
            return path[position:]
    return path


class PathNormalizerMiddleware:
    """ASGI middleware rewriting `path` and `raw_path` with `normalize_path`."""

    def __init__(self, app: ASGIApp, anchors: Sequence[str] = ("/rest/",)) -> None:
        self.app = app
        self.anchors = tuple(anchors)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            path = normalize_path(scope["path"], self.anchors)
            if path != scope["path"]:
                scope = dict(scope)
                scope["path"] = path
                scope["raw_path"] = path.encode("latin-1")
        await self.app(scope, receive, send)
