"""How many vendor API requests arrived, per method and route shape (ids folded to ``{id}``), for the control
API's ``/stats``: the request-efficiency benchmarks read where a sync's requests went from it."""

from __future__ import annotations

import threading
from collections import Counter

from starlette.types import ASGIApp, Receive, Scope, Send

from emulators.asgi_paths import is_control_path

__all__ = ["RequestTally", "RequestTallyMiddleware", "route_shape"]


_VERSIONED = frozenset({"", "api", "agile"})  # what precedes a version: the root (Trello), `api`, `agile`


def _is_version(previous: str, segment: str) -> bool:
    return previous in _VERSIONED and all(ch.isdigit() or ch == "." for ch in segment)  # `3`, `1`, `1.0`


def route_shape(path: str) -> str:
    """The path with every segment that holds a digit (an id, a key such as `ENG-12`) folded to ``{id}``; API
    versions (`/rest/api/3/`, `/rest/agile/1.0/`, Trello's `/1/`, Asana's `/api/1.0/`) stay."""
    segments = path.split("/")
    return "/".join(
        "{id}"
        if any(ch.isdigit() for ch in segment) and not _is_version(segments[i - 1] if i else "", segment)
        else segment
        for i, segment in enumerate(segments)
    )


class RequestTally:
    """A thread-safe count of requests by ``"METHOD /route/{id}/shape"``."""

    def __init__(self) -> None:
        self._counts: Counter[str] = Counter()
        self._lock = threading.Lock()

    def add(self, method: str, path: str) -> None:
        """Count one request."""
        key = f"{method} {route_shape(path)}"
        with self._lock:
            self._counts[key] += 1

    def snapshot(self) -> dict[str, int]:
        """The counts so far, by route, most requested first."""
        with self._lock:
            return dict(self._counts.most_common())


class RequestTallyMiddleware:
    """Counts every vendor API request as it arrives (answered, faulted or rate limited alike); the control API's
    own requests are not counted."""

    def __init__(self, app: ASGIApp, tally: RequestTally) -> None:
        self.app = app
        self.tally = tally

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not is_control_path(scope["path"]):
            self.tally.add(scope["method"], scope["path"])
        await self.app(scope, receive, send)
