"""A real HTTP transport that also records what it sent (method and path), for request-budget tests."""

from __future__ import annotations

import threading

import httpx

__all__ = ["RecordingTransport"]


class RecordingTransport(httpx.BaseTransport):
    """``httpx.HTTPTransport`` plus a log of ``(method, path)`` of every request (and their query strings,
    in ``queries``), retries included."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.sent: list[tuple[str, str]] = []
        self.queries: list[str] = []
        self._lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            self.sent.append((request.method, request.url.path))
            self.queries.append(request.url.query.decode("ascii"))
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()

    def count(self, predicate: str) -> int:
        """Requests whose path contains ``predicate``."""
        return sum(1 for _, path in self.sent if predicate in path)
