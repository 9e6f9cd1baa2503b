"""Compose rate-limit primitives into a vendor policy; the middleware asks it to admit each request."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import parse_qsl

from starlette.types import Scope

from emulators.http_errors import ErrorResponse
from emulators.ratelimit import ConcurrencyLimiter, Decision, Limiter

__all__ = [
    "Admission",
    "ConcurrencyRule",
    "LimitRule",
    "RateLimitPolicy",
    "RequestInfo",
    "RuleBasedPolicy",
    "basic_auth_user",
    "bearer_token",
    "endpoint_family",
]

_ID_SEGMENT = re.compile(r"^(?:\d+|[0-9a-f]{24}|[A-Z][A-Z0-9_]*-\d+)$")


@dataclass(frozen=True)
class RequestInfo:
    """What a policy may look at: method, normalised path, first query values, lower-cased headers."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]

    @classmethod
    def from_scope(cls, scope: Scope) -> RequestInfo:
        """Read the request line and headers from an ASGI HTTP scope."""
        query: dict[str, str] = {}
        for name, value in parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True):
            query.setdefault(name, value)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        return cls(method=str(scope["method"]).upper(), path=str(scope["path"]), query=query, headers=headers)

    @property
    def is_write(self) -> bool:
        """POST, PUT, PATCH and DELETE count as writes."""
        return self.method in {"POST", "PUT", "PATCH", "DELETE"}


def bearer_token(request: RequestInfo) -> str | None:
    """The token of an `Authorization: Bearer` header, or None."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def basic_auth_user(request: RequestInfo) -> str | None:
    """The user name of an `Authorization: Basic` header, or None."""
    scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip()).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return None
    return decoded.partition(":")[0] or None


_VERSION_AFTER = frozenset({"", "api", "agile", "webhooks"})


def endpoint_family(path: str) -> str:
    """Replace id-like path segments with `{id}` so `/issue/10001` and `/issue/10002` share a limit.

    A number after `/`, `api`, `agile` or `webhooks` is an API version (`/1/`, `/rest/api/3/`), not an id.
    """
    parts = path.split("/")
    return "/".join(
        "{id}" if _ID_SEGMENT.match(part) and not (part.isdigit() and parts[i - 1] in _VERSION_AFTER) else part
        for i, part in enumerate(parts)
    )


@dataclass
class Admission:
    """The policy's answer: a rejection to send, or headers to add and a slot to release when done."""

    rejection: ErrorResponse | None = None
    headers: dict[str, str] = field(default_factory=dict)
    release: Callable[[], None] | None = None


class RateLimitPolicy(Protocol):
    """A vendor's whole rate-limit behaviour."""

    def admit(self, request: RequestInfo, now: float) -> Admission:
        """Decide on one request at emulated time `now`."""
        ...


KeyOf = Callable[[RequestInfo], Hashable | None]


@dataclass(frozen=True)
class LimitRule:
    """A counting limiter and how to key a request for it (a None key means the rule does not apply)."""

    name: str
    limiter: Limiter
    key_of: KeyOf


@dataclass(frozen=True)
class ConcurrencyRule:
    """A concurrency cap and how to key a request for it."""

    name: str
    limiter: ConcurrencyLimiter
    key_of: KeyOf


# (rule name, decision or None for a concurrency refusal) -> the vendor's 429 response
Rejecter = Callable[[str, Decision | None], ErrorResponse]
# decisions of every applied counting rule -> headers to add on admitted responses
HeaderWriter = Callable[[Sequence[tuple[LimitRule, Decision]]], dict[str, str]]


class RuleBasedPolicy:
    """Apply concurrency rules, then counting rules in order; the first refusal produces the vendor's 429."""

    def __init__(
        self,
        *,
        rules: Sequence[LimitRule] = (),
        concurrency: Sequence[ConcurrencyRule] = (),
        reject: Rejecter,
        headers: HeaderWriter | None = None,
    ) -> None:
        self._rules = tuple(rules)
        self._concurrency = tuple(concurrency)
        self._reject = reject
        self._headers = headers

    def admit(self, request: RequestInfo, now: float) -> Admission:
        """Take concurrency slots and count the request against every applicable rule."""
        held: list[tuple[ConcurrencyLimiter, Hashable]] = []

        def release() -> None:
            for limiter, key in held:
                limiter.leave(key)
            held.clear()

        for crule in self._concurrency:
            ckey = crule.key_of(request)
            if ckey is None:
                continue
            if not crule.limiter.try_enter(ckey):
                release()
                return Admission(rejection=self._reject(crule.name, None))
            held.append((crule.limiter, ckey))
        decisions: list[tuple[LimitRule, Decision]] = []
        for rule in self._rules:
            key = rule.key_of(request)
            if key is None:
                continue
            decision = rule.limiter.check(key, now)
            decisions.append((rule, decision))
            if not decision.allowed:
                release()
                return Admission(rejection=self._reject(rule.name, decision))
        headers = self._headers(decisions) if self._headers else {}
        return Admission(headers=headers, release=release if held else None)
