"""Rate-limit primitives on an injected clock: token bucket, fixed and sliding windows, concurrency caps.

Each limiter is keyed (typically by (credential, endpoint, method)); `check(key, now)` consumes one unit when
allowed and always reports what a vendor needs for its headers: limit, remaining and retry_after.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Hashable
from dataclasses import dataclass
from typing import NamedTuple, Protocol

__all__ = [
    "ConcurrencyLimiter",
    "Decision",
    "FixedWindowLimiter",
    "Limiter",
    "RateKey",
    "SlidingWindowLimiter",
    "TokenBucketLimiter",
]


class RateKey(NamedTuple):
    """The usual key: who calls, which endpoint family, which method."""

    credential: str
    endpoint: str
    method: str


@dataclass(frozen=True)
class Decision:
    """Outcome of one check: allowed or not, and the numbers behind it."""

    allowed: bool
    limit: int
    remaining: int
    retry_after: float
    reset_at: float

    @property
    def retry_after_seconds(self) -> int:
        """Retry-After as a whole number of seconds, at least 1 when refused."""
        return max(1, math.ceil(self.retry_after)) if not self.allowed else 0


class Limiter(Protocol):
    """What every counting limiter offers."""

    def check(self, key: Hashable, now: float, cost: int = 1) -> Decision:
        """Consume `cost` units for `key` at `now` if allowed; report the outcome."""
        ...


class TokenBucketLimiter:
    """A bucket of `capacity` tokens per key, refilled at `refill_per_second` (Jira's burst limiter)."""

    def __init__(self, capacity: int, refill_per_second: float) -> None:
        if capacity < 1 or refill_per_second <= 0:
            raise ValueError("capacity must be >= 1 and refill rate > 0")
        self.capacity = capacity
        self.refill_per_second = refill_per_second
        self._buckets: dict[Hashable, tuple[float, float]] = {}

    def check(self, key: Hashable, now: float, cost: int = 1) -> Decision:
        """Take `cost` tokens if there are enough."""
        tokens, last = self._buckets.get(key, (float(self.capacity), now))
        tokens = min(float(self.capacity), tokens + max(0.0, now - last) * self.refill_per_second)
        allowed = tokens >= cost
        if allowed:
            tokens -= cost
        self._buckets[key] = (tokens, now)
        missing = max(0.0, cost - tokens)
        retry_after = 0.0 if allowed else missing / self.refill_per_second
        full_in = (self.capacity - tokens) / self.refill_per_second
        return Decision(allowed, self.capacity, int(tokens), retry_after, now + full_in)


class FixedWindowLimiter:
    """At most `limit` units per key in each aligned window of `window_seconds` (Trello's 100 per 10 s)."""

    def __init__(self, limit: int, window_seconds: float, *, count_rejected: bool = False) -> None:
        if limit < 1 or window_seconds <= 0:
            raise ValueError("limit must be >= 1 and window > 0")
        self.limit = limit
        self.window_seconds = window_seconds
        self.count_rejected = count_rejected
        self._windows: dict[Hashable, tuple[int, int]] = {}

    def check(self, key: Hashable, now: float, cost: int = 1) -> Decision:
        """Count `cost` units in the current window if they fit."""
        window = math.floor(now / self.window_seconds)
        current, used = self._windows.get(key, (window, 0))
        if current != window:
            used = 0
        allowed = used + cost <= self.limit
        if allowed or self.count_rejected:
            used += cost
        self._windows[key] = (window, used)
        reset_at = (window + 1) * self.window_seconds
        retry_after = 0.0 if allowed else reset_at - now
        return Decision(allowed, self.limit, max(0, self.limit - used), retry_after, reset_at)


class SlidingWindowLimiter:
    """At most `limit` units per key in any interval of `window_seconds` (Asana's per-minute quota)."""

    def __init__(self, limit: int, window_seconds: float, *, count_rejected: bool = False) -> None:
        if limit < 1 or window_seconds <= 0:
            raise ValueError("limit must be >= 1 and window > 0")
        self.limit = limit
        self.window_seconds = window_seconds
        self.count_rejected = count_rejected
        self._events: dict[Hashable, deque[float]] = {}

    def check(self, key: Hashable, now: float, cost: int = 1) -> Decision:
        """Record `cost` units at `now` if the last window holds room for them."""
        events = self._events.setdefault(key, deque())
        horizon = now - self.window_seconds
        while events and events[0] <= horizon:
            events.popleft()
        allowed = len(events) + cost <= self.limit
        if allowed or self.count_rejected:
            events.extend([now] * cost)
            # A rejected burst must not grow memory without bound.
            while len(events) > self.limit + cost:
                events.popleft()
        oldest = events[0] if events else now
        retry_after = 0.0 if allowed else max(0.0, oldest + self.window_seconds - now)
        return Decision(
            allowed, self.limit, max(0, self.limit - len(events)), retry_after, oldest + self.window_seconds
        )


class ConcurrencyLimiter:
    """At most `max_in_flight` requests per key at once (Asana: 50 reads, 15 writes)."""

    def __init__(self, max_in_flight: int) -> None:
        if max_in_flight < 1:
            raise ValueError("max_in_flight must be >= 1")
        self.max_in_flight = max_in_flight
        self._in_flight: dict[Hashable, int] = {}

    def in_flight(self, key: Hashable) -> int:
        """How many requests hold a slot for `key`."""
        return self._in_flight.get(key, 0)

    def try_enter(self, key: Hashable) -> bool:
        """Take a slot if one is free; the caller must `leave` after a True."""
        held = self._in_flight.get(key, 0)
        if held >= self.max_in_flight:
            return False
        self._in_flight[key] = held + 1
        return True

    def leave(self, key: Hashable) -> None:
        """Give a slot back."""
        held = self._in_flight.get(key, 0) - 1
        if held > 0:
            self._in_flight[key] = held
        else:
            self._in_flight.pop(key, None)
