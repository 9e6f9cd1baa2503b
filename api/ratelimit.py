"""Per-key rate limiting: a token bucket per API key, 429 with ``Retry-After`` past the quota.

The bucket is keyed by a digest of the presented bearer credential, so the limit applies before the key is
looked up (a flood costs no query) and one key's flood never drains another key's bucket. Requests without a
credential (health probes, metrics, signed webhooks) are not limited here. Buckets live in the process: with
several workers each enforces its own share.
"""

from __future__ import annotations

import hashlib
import math
from collections import OrderedDict
from dataclasses import dataclass

from starlette.types import ASGIApp, Receive, Scope, Send

from api.problems import problem_response

__all__ = ["KeyRateLimiter", "RateLimitMiddleware"]

UNLIMITED_PREFIXES = ("/webhooks/",)


@dataclass
class _Bucket:
    tokens: float
    updated: float


class KeyRateLimiter:
    """``rate`` tokens per second up to ``burst`` per key; remembers the ``max_keys`` most recent keys."""

    def __init__(self, *, rate: float, burst: int, max_keys: int = 10_000) -> None:
        self.rate = rate
        self.burst = burst
        self.max_keys = max_keys
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()

    def acquire(self, key: str, now: float) -> float | None:
        """Take one token for ``key`` at time ``now`` (seconds); ``None`` when allowed, else seconds to wait."""
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = _Bucket(tokens=float(self.burst), updated=now)
            self._buckets[key] = bucket
            if len(self._buckets) > self.max_keys:
                self._buckets.popitem(last=False)
        else:
            self._buckets.move_to_end(key)
            elapsed = max(0.0, now - bucket.updated)
            bucket.tokens = min(float(self.burst), bucket.tokens + elapsed * self.rate)
            bucket.updated = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return None
        return (1.0 - bucket.tokens) / self.rate


def _credential_of(scope: Scope) -> str | None:
    for name, value in scope.get("headers") or ():
        if name == b"authorization":
            return hashlib.sha256(value).hexdigest()
    return None


class RateLimitMiddleware:
    """Applies the running app's ``rate_limit_per_second`` and ``rate_limit_burst`` per presented key."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._for_state: object | None = None
        self._limiter: KeyRateLimiter | None = None

    def _limiter_for(self, scope: Scope) -> tuple[KeyRateLimiter | None, object | None]:
        state = getattr(getattr(scope.get("app"), "state", None), "baton", None)
        if state is None:
            return None, None
        if state is not self._for_state:
            settings = state.settings
            rate = float(settings.rate_limit_per_second)
            self._limiter = KeyRateLimiter(rate=rate, burst=settings.rate_limit_burst) if rate > 0 else None
            self._for_state = state
        return self._limiter, state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or str(scope.get("path", "")).startswith(UNLIMITED_PREFIXES):
            await self.app(scope, receive, send)
            return
        limiter, state = self._limiter_for(scope)
        credential = _credential_of(scope) if limiter is not None else None
        if limiter is None or credential is None:
            await self.app(scope, receive, send)
            return
        now = state.clock().timestamp()  # type: ignore[union-attr]
        wait = limiter.acquire(credential, now)
        if wait is None:
            await self.app(scope, receive, send)
            return
        retry_after = str(max(1, math.ceil(wait)))
        response = problem_response(
            429,
            "Too many requests with this API key; retry after the time given.",
            headers={"Retry-After": retry_after},
        )
        await response(scope, receive, send)
