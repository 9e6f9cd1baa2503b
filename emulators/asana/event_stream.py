"""The Events API's memory: events per subscribable resource (project, task) and sync tokens that point into
it. Tokens are signed (resource, position, issue time) and expire 24 h after issue on the emulator clock."""

from __future__ import annotations

import bisect
import hashlib
import hmac
import itertools
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from emulators.asana.activity_events import ActivityEvent
from emulators.clock import EmulatorClock

__all__ = ["EVENTS_PER_CALL", "SYNC_TOKEN_TTL", "EventBatch", "EventStream", "SyncTokenInvalid"]

EVENTS_PER_CALL = 100
SYNC_TOKEN_TTL = 24 * 3600.0


class SyncTokenInvalid(Exception):
    """No token, an unknown one, or one older than 24 h: the caller answers 412 with `fresh`."""

    def __init__(self, fresh: str) -> None:
        super().__init__("Sync token invalid or too old")
        self.fresh = fresh


@dataclass(frozen=True)
class EventBatch:
    """Events after a token (at most 100), the next token and whether more are waiting."""

    events: list[dict[str, Any]]
    sync: str
    has_more: bool


class EventStream:
    """Thread-safe: writes append from any thread, the events endpoint reads."""

    def __init__(self, clock: EmulatorClock, key: bytes) -> None:
        self.clock = clock
        self._key = key
        self._lock = threading.Lock()
        self._sequence = itertools.count(1)
        self._last = 0
        self._by_resource: dict[str, list[tuple[int, float, dict[str, Any]]]] = {}

    def append(self, events: Iterable[ActivityEvent]) -> None:
        """Record events under their project and their task; forget what no valid token can reach."""
        horizon = self.clock.timestamp() - SYNC_TOKEN_TTL
        with self._lock:
            for event in events:
                number = next(self._sequence)
                self._last = number
                for resource in (event.project, event.task):
                    entries = self._by_resource.setdefault(resource, [])
                    entries.append((number, event.at, event.body))
                    if entries[0][1] < horizon:
                        self._by_resource[resource] = [e for e in entries if e[1] >= horizon]

    def fresh_token(self, resource: str) -> str:
        """A token for `resource` pointing after every event so far."""
        with self._lock:
            return self._token(resource, self._last)

    def read(self, resource: str, token: str | None) -> EventBatch:
        """The events after `token`; SyncTokenInvalid (with a fresh token) when it is missing or unusable."""
        position = self._position(resource, token)
        with self._lock:
            entries = self._by_resource.get(resource, [])
            start = bisect.bisect_right(entries, position, key=lambda entry: entry[0])
            chosen = entries[start : start + EVENTS_PER_CALL]
            has_more = start + EVENTS_PER_CALL < len(entries)
            last = chosen[-1][0] if has_more else max(self._last, position)
            return EventBatch([body for _, _, body in chosen], self._token(resource, last), has_more)

    def _position(self, resource: str, token: str | None) -> int:
        parts = (token or "").split("-")
        if len(parts) == 3 and all(parts):
            try:
                position, issued_ms = int(parts[0], 16), int(parts[1], 16)
            except ValueError:
                position, issued_ms = -1, 0
            fresh = self.clock.timestamp() - issued_ms / 1000.0 <= SYNC_TOKEN_TTL
            if position >= 0 and fresh and hmac.compare_digest(parts[2], self._sign(resource, parts[0], parts[1])):
                return position
        raise SyncTokenInvalid(self.fresh_token(resource))

    def _token(self, resource: str, position: int) -> str:
        seq, issued = f"{position:x}", f"{int(self.clock.timestamp() * 1000):x}"
        return f"{seq}-{issued}-{self._sign(resource, seq, issued)}"

    def _sign(self, resource: str, seq: str, issued: str) -> str:
        return hmac.new(self._key, f"{resource}|{seq}|{issued}".encode(), hashlib.sha256).hexdigest()[:20]
