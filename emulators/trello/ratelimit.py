"""Trello's rate limits: 100 / 10 s per token, 300 / 10 s per key, 100 / 900 s per token on `/1/members/*`.

More than 200 refusals on one key within a 10 s window lock the key out for the rest of that window. Every
response carries `x-rate-limit-api-token-*` and `x-rate-limit-api-key-*`; a 429 names the exceeded limit
(`API_TOKEN_LIMIT_EXCEEDED`, `API_KEY_LIMIT_EXCEEDED`, `MEMBER_LIMIT_EXCEEDED`) and says when to retry.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass

from emulators.http_errors import ErrorResponse, json_response
from emulators.ratelimit import Decision, FixedWindowLimiter
from emulators.ratelimit_policy import Admission, RequestInfo
from emulators.trello.auth import credentials_from

__all__ = ["TrelloLimits", "TrelloRatePolicy"]


@dataclass(frozen=True)
class TrelloLimits:
    """The documented numbers (tests may shrink them)."""

    token_limit: int = 100
    key_limit: int = 300
    window_seconds: float = 10.0
    member_limit: int = 100
    member_window_seconds: float = 900.0
    lockout_after: int = 200


class TrelloRatePolicy:
    """Admits or refuses each request at emulated time; implements the engine's RateLimitPolicy."""

    def __init__(self, limits: TrelloLimits | None = None) -> None:
        self.limits = limits or TrelloLimits()
        lim = self.limits
        self._token = FixedWindowLimiter(lim.token_limit, lim.window_seconds)
        self._key = FixedWindowLimiter(lim.key_limit, lim.window_seconds)
        self._member = FixedWindowLimiter(lim.member_limit, lim.member_window_seconds)
        self._lock = threading.Lock()
        self._refusals: dict[str, tuple[int, int]] = {}  # key -> (window, refusals in it)

    def admit(self, request: RequestInfo, now: float) -> Admission:
        """Count the request against its token, its key and (on /1/members/*) the members limit."""
        credentials = credentials_from(request.query, request.headers.get("authorization"))
        if credentials is None or credentials.key is None:
            return Admission()  # unauthenticated: the API answers 401
        key, token = credentials.key, credentials.token or ""
        window = math.floor(now / self.limits.window_seconds)
        with self._lock:
            if self._locked(key, window):
                self._refuse(key, window)
                reset = (window + 1) * self.limits.window_seconds
                return Admission(rejection=self._reject("API_KEY_LIMIT_EXCEEDED", reset - now, {}))
            token_decision = self._token.check(("token", token), now)
            key_decision = self._key.check(("key", key), now)
            headers = self._headers(token_decision, key_decision)
            for name, decision in (
                ("API_TOKEN_LIMIT_EXCEEDED", token_decision),
                ("API_KEY_LIMIT_EXCEEDED", key_decision),
            ):
                if not decision.allowed:
                    self._refuse(key, window)
                    return Admission(rejection=self._reject(name, decision.retry_after, headers))
            if request.path.startswith("/1/members/"):
                member_decision = self._member.check(("member", token), now)
                if not member_decision.allowed:
                    self._refuse(key, window)
                    return Admission(
                        rejection=self._reject("MEMBER_LIMIT_EXCEEDED", member_decision.retry_after, headers)
                    )
        return Admission(headers=headers)

    def _locked(self, key: str, window: int) -> bool:
        current, refusals = self._refusals.get(key, (window, 0))
        return current == window and refusals > self.limits.lockout_after

    def _refuse(self, key: str, window: int) -> None:
        current, refusals = self._refusals.get(key, (window, 0))
        self._refusals[key] = (window, refusals + 1 if current == window else 1)

    def _headers(self, token: Decision, key: Decision) -> dict[str, str]:
        interval = str(int(self.limits.window_seconds * 1000))
        return {
            "x-rate-limit-api-token-interval-ms": interval,
            "x-rate-limit-api-token-max": str(token.limit),
            "x-rate-limit-api-token-remaining": str(token.remaining),
            "x-rate-limit-api-key-interval-ms": interval,
            "x-rate-limit-api-key-max": str(key.limit),
            "x-rate-limit-api-key-remaining": str(key.remaining),
        }

    @staticmethod
    def _reject(error: str, retry_after: float, headers: dict[str, str]) -> ErrorResponse:
        retry = {"Retry-After": str(max(1, math.ceil(retry_after)))}
        return json_response(429, {"error": error, "message": "Rate limit exceeded"}, {**headers, **retry})
