"""The one HTTP policy of every vendor call: classification, retries, circuit breaker, self-throttling.

Each call path has exactly one retry layer, this one (tenacity): vendor SDKs run with their own retries
off and their exceptions translated into :mod:`connectors.errors` before they reach it.

- Classification is a plain table (status → error class), in the spirit of Airbyte's error handlers.
- Waits use full jitter (uniform between 0 and an exponential cap), except that a ``Retry-After`` sets a
  floor. Attempts and total waiting time per call are capped; then the call fails, not the process.
- 400/403/404 are sent once. A 401 triggers at most one credential refresh (when the connection can
  refresh), then one more try.
- A circuit breaker per connection stops calling a vendor that keeps failing and lets one probe through
  after the reset timeout.
- A rate gate and a concurrency gate keep Baton under the vendors' published limits.
- Requests go only where :class:`core.net_policy.NetPolicy` allows (checked on every request against the
  addresses the host resolves to), and redirects are never followed: a 3xx is a :class:`DestinationRefused`.
"""

from __future__ import annotations

import email.utils
import json
import logging
import random
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Protocol, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx
import orjson
from tenacity import RetryCallState, Retrying, retry_if_exception

from connectors.errors import (
    AuthError,
    BadRequest,
    CircuitOpen,
    ConnectorError,
    InvalidPayload,
    NotFound,
    RateLimited,
    UpstreamError,
)
from core.net_policy import ForbiddenDestination, NetPolicy

__all__ = [
    "CallGate",
    "CircuitBreaker",
    "ConcurrencyGate",
    "DestinationRefused",
    "GuardedTransport",
    "RateGate",
    "ResilientCaller",
    "RetryPolicy",
    "SystemTime",
    "TimeSource",
    "TokenBucketGate",
    "VendorHttp",
    "decode_json",
    "error_for_status",
    "guard_requests_session",
    "guard_urllib3_pool",
    "parse_retry_after",
    "redact_url",
]

log = logging.getLogger(__name__)
T = TypeVar("T")

_SECRET_PARAMS = frozenset({"key", "token", "api_key", "apikey", "access_token", "refresh_token", "client_secret"})


class TimeSource(Protocol):
    """Monotonic time and sleeping, injected so tests never wait for real."""

    def monotonic(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...


class SystemTime:
    """The real clock."""

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


def redact_url(url: str) -> str:
    """``url`` with credential query parameters (Trello's key and token, OAuth tokens) masked for logs."""
    parts = urlsplit(url)
    if not parts.query:
        return url
    query = [(k, "***" if k.lower() in _SECRET_PARAMS else v) for k, v in parse_qsl(parts.query, True)]
    return urlunsplit(parts._replace(query=urlencode(query, safe="*")))


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta seconds or an HTTP date); ``None`` if absent."""
    if value is None or not value.strip():
        return None
    try:
        return max(0.0, float(value.strip()))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def error_for_status(status: int, headers: Mapping[str, str], detail: str = "") -> ConnectorError | None:
    """The error a response status means, or ``None`` for success. The classification table."""
    if 200 <= status < 300:
        return None
    retry_after = parse_retry_after(headers.get("retry-after"))
    message = f"HTTP {status}" + (f": {detail}" if detail else "")
    if status == 429:
        return RateLimited(message, status=status, retry_after=retry_after)
    if status in (401, 403):
        return AuthError(message, status=status)
    if status in (404, 410):
        return NotFound(message, status=status)
    if status in (408, 425) or status >= 500:
        return UpstreamError(message, status=status, retry_after=retry_after)
    if 300 <= status < 400:
        return _refuse_redirect(status, headers.get("location"))
    return BadRequest(message, status=status)


class DestinationRefused(BadRequest):
    """A request was not sent (a forbidden destination) or its redirect was not followed; never retried."""


def _refuse_redirect(status: int, location: str | None) -> DestinationRefused:
    return DestinationRefused(
        f"HTTP {status} redirect to {redact_url(location or '?')} not followed (Baton never follows redirects)",
        status=status,
    )


def _check_host(policy: NetPolicy | None, host: str | None) -> None:
    if policy is None:
        return
    try:
        policy.check_host(host or "")
    except ForbiddenDestination as error:
        raise DestinationRefused(f"request not sent: {error}") from error


class GuardedTransport(httpx.BaseTransport):
    """An httpx transport that checks each request's host (and what it resolves to) before sending it."""

    def __init__(self, inner: httpx.BaseTransport, policy: NetPolicy) -> None:
        self.inner = inner
        self.policy = policy

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Send ``request`` through the inner transport unless its destination is refused."""
        _check_host(self.policy, request.url.host)
        return self.inner.handle_request(request)

    def close(self) -> None:
        """Close the inner transport."""
        self.inner.close()


def guard_requests_session(session: Any, policy: NetPolicy | None) -> None:
    """Harden a ``requests`` session (the Jira SDK's): destinations checked, redirects refused, never followed."""
    import requests.adapters  # the Jira SDK's transport; imported only where that SDK is used

    class GuardedAdapter(requests.adapters.HTTPAdapter):
        def send(self, request: Any, *args: Any, **kwargs: Any) -> Any:
            _check_host(policy, urlsplit(str(request.url)).hostname)
            response = super().send(request, *args, **kwargs)
            if response.is_redirect:
                response.close()
                raise _refuse_redirect(response.status_code, response.headers.get("location"))
            return response

    adapter = GuardedAdapter()
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.max_redirects = 0


def guard_urllib3_pool(pool_manager: Any, policy: NetPolicy | None) -> None:
    """Harden a urllib3 pool manager (the Asana SDK's): destinations checked, redirects returned, not followed."""
    send = pool_manager.request

    def request(method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        _check_host(policy, urlsplit(url).hostname)
        kwargs["redirect"] = False
        response = send(method, url, *args, **kwargs)
        if 300 <= response.status < 400:
            raise _refuse_redirect(response.status, response.headers.get("location"))
        return response

    pool_manager.request = request


@dataclass(frozen=True)
class RetryPolicy:
    """How hard one call tries: full-jitter exponential waits, ``Retry-After`` as a floor, capped."""

    max_attempts: int = 8
    max_total_seconds: float = 120.0
    base_seconds: float = 0.5
    cap_seconds: float = 30.0

    def wait_seconds(self, attempt: int, error: BaseException | None, rng: random.Random) -> float:
        """Seconds before attempt ``attempt + 1`` after ``error`` (``attempt`` counts from 1)."""
        ceiling = min(self.cap_seconds, self.base_seconds * 2 ** (attempt - 1))
        jittered = rng.uniform(0, ceiling)
        retry_after = error.retry_after if isinstance(error, ConnectorError) else None
        if retry_after is not None:
            # Never earlier than the vendor asked; a little spread so callers do not return in lockstep.
            return retry_after + rng.uniform(0, min(1.0, self.base_seconds))
        return jittered


class BreakerState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class CircuitBreaker:
    """Per connection: opens after ``failure_threshold`` consecutive upstream failures, probes once later."""

    def __init__(self, *, failure_threshold: int = 5, reset_seconds: float = 30.0, time_source: TimeSource) -> None:
        self._threshold = failure_threshold
        self._reset = reset_seconds
        self._time = time_source
        self._lock = threading.Lock()
        self._failures = 0
        self._opened_at = 0.0
        self._probe_in_flight = False
        self.state = BreakerState.CLOSED

    def before_call(self) -> None:
        """Raise :class:`CircuitOpen` unless a call may go out now."""
        with self._lock:
            if self.state is BreakerState.CLOSED:
                return
            if self.state is BreakerState.OPEN and self._time.monotonic() - self._opened_at >= self._reset:
                self.state = BreakerState.HALF_OPEN
            if self.state is BreakerState.HALF_OPEN and not self._probe_in_flight:
                self._probe_in_flight = True
                return
            raise CircuitOpen("circuit open: the vendor failed repeatedly; calls are paused")

    def record_success(self) -> None:
        """A call succeeded (or failed for a reason that is not the vendor's health)."""
        with self._lock:
            self._failures = 0
            self._probe_in_flight = False
            self.state = BreakerState.CLOSED

    def record_failure(self) -> None:
        """A call failed upstream (5xx, timeout, reset, broken body)."""
        with self._lock:
            self._probe_in_flight = False
            self._failures += 1
            if self.state is BreakerState.HALF_OPEN or self._failures >= self._threshold:
                self.state = BreakerState.OPEN
                self._opened_at = self._time.monotonic()


class RateGate:
    """At most ``limit`` calls in any ``window_seconds`` (a sliding log); callers wait their turn."""

    def __init__(self, *, limit: int, window_seconds: float, time_source: TimeSource) -> None:
        self._limit = limit
        self._window = window_seconds
        self._time = time_source
        self._sent: deque[float] = deque()
        self._lock = threading.Lock()

    def acquire(self) -> None:
        """Block until a call fits in the window, then count it."""
        while True:
            with self._lock:
                now = self._time.monotonic()
                while self._sent and now - self._sent[0] >= self._window:
                    self._sent.popleft()
                if len(self._sent) < self._limit:
                    self._sent.append(now)
                    return
                wait = self._window - (now - self._sent[0])
            self._time.sleep(max(wait, 0.001))


class TokenBucketGate:
    """A burst limit as Jira models it: a bucket of ``capacity`` calls that refills at ``per_second``; each call takes
    one token and waits for it when the bucket is empty. Over a long run it admits ``per_second`` calls a second,
    as a sliding window of ``capacity`` per ``capacity / per_second`` seconds does, but a full bucket's burst is
    followed by a steady refill instead of a pause until the window has passed."""

    def __init__(self, *, capacity: int, per_second: float, time_source: TimeSource) -> None:
        self._capacity = float(capacity)
        self._per_second = per_second
        self._time = time_source
        self._tokens = float(capacity)
        self._refilled_at = time_source.monotonic()
        self._lock = threading.Lock()

    def acquire(self) -> None:
        """Block until a token is in the bucket, then take it."""
        while True:
            with self._lock:
                now = self._time.monotonic()
                self._tokens = min(self._capacity, self._tokens + (now - self._refilled_at) * self._per_second)
                self._refilled_at = now
                if self._tokens >= 1.0:
                    self._tokens -= 1.0
                    return
                wait = (1.0 - self._tokens) / self._per_second
            self._time.sleep(max(wait, 0.001))


class CallGate(Protocol):
    """What :class:`ResilientCaller` asks of a rate gate: block until the next call may go."""

    def acquire(self) -> None: ...


class ConcurrencyGate:
    """At most ``limit`` calls in flight at once (Asana: 50 reads, 15 writes)."""

    def __init__(self, limit: int) -> None:
        self._semaphore = threading.BoundedSemaphore(limit)

    def __enter__(self) -> None:
        self._semaphore.acquire()

    def __exit__(self, *_exc: object) -> None:
        self._semaphore.release()


@dataclass
class CallStats:
    """Counts a connection's calls, for sync_run rows and request-efficiency figures."""

    requests: int = 0
    retries: int = 0
    refused_by_breaker: int = 0
    by_status: dict[int, int] = field(default_factory=dict)


class ResilientCaller:
    """Runs one vendor operation under the retry policy, the breaker and the gates."""

    def __init__(
        self,
        *,
        policy: RetryPolicy | None = None,
        breaker: CircuitBreaker | None = None,
        rate_gate: CallGate | None = None,
        concurrency: ConcurrencyGate | None = None,
        time_source: TimeSource | None = None,
        rng: random.Random | None = None,
        refresh_credentials: Callable[[], bool] | None = None,
    ) -> None:
        self.policy = policy or RetryPolicy()
        self.time = time_source or SystemTime()
        self.breaker = breaker
        self.rate_gate = rate_gate
        self.concurrency = concurrency
        self.rng = rng or random.Random()
        self.refresh_credentials = refresh_credentials
        self.stats = CallStats()
        self._lock = threading.Lock()

    def call(self, operation: Callable[[], T], *, what: str = "call") -> T:
        """Run ``operation`` (which raises :class:`ConnectorError`) until it succeeds or the policy gives up."""
        try:
            return self._call_with_retries(operation, what)
        except AuthError as error:
            if error.status != 401 or self.refresh_credentials is None or not self.refresh_credentials():
                raise
            log.info("%s: 401, credentials refreshed; trying once more", what)
            return self._call_with_retries(operation, what)

    def _call_with_retries(self, operation: Callable[[], T], what: str) -> T:
        started = self.time.monotonic()

        def stop(state: RetryCallState) -> bool:
            waited = self.time.monotonic() - started + state.upcoming_sleep
            return state.attempt_number >= self.policy.max_attempts or waited > self.policy.max_total_seconds

        def wait(state: RetryCallState) -> float:
            error = state.outcome.exception() if state.outcome else None
            return self.policy.wait_seconds(state.attempt_number, error, self.rng)

        def before_sleep(state: RetryCallState) -> None:
            with self._lock:
                self.stats.retries += 1
            error = state.outcome.exception() if state.outcome else None
            log.info("%s failed (%s); retry %d in %.2f s", what, error, state.attempt_number, state.upcoming_sleep)

        retrying = Retrying(
            stop=stop,
            wait=wait,
            retry=retry_if_exception(lambda e: isinstance(e, ConnectorError) and e.retryable),
            sleep=self.time.sleep,
            before_sleep=before_sleep,
            reraise=True,
        )
        result: T = retrying(self._attempt, operation)
        return result

    def _attempt(self, operation: Callable[[], T]) -> T:
        if self.breaker is not None:
            try:
                self.breaker.before_call()
            except CircuitOpen:
                with self._lock:
                    self.stats.refused_by_breaker += 1
                raise
        if self.rate_gate is not None:
            self.rate_gate.acquire()
        with self._lock:
            self.stats.requests += 1
        try:
            if self.concurrency is not None:
                with self.concurrency:
                    result = operation()
            else:
                result = operation()
        except UpstreamError:
            if self.breaker is not None:
                self.breaker.record_failure()
            raise
        except ConnectorError:
            if self.breaker is not None:
                self.breaker.record_success()  # the vendor answered: its health is fine
            raise
        if self.breaker is not None:
            self.breaker.record_success()
        return result


def decode_json(body: bytes) -> Any:
    """A vendor's JSON body: orjson (the bulk reads spent a sixth of their client CPU in the standard library's
    decoder), falling back to the standard library for what orjson refuses but it reads (a lone surrogate in a
    string, NaN); ValueError when the body is not JSON at all."""
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        return json.loads(body)


class VendorHttp:
    """JSON over HTTP through one :class:`ResilientCaller`; the transport is injected via ``client``."""

    def __init__(
        self,
        client: httpx.Client,
        caller: ResilientCaller,
        *,
        error_detail: Callable[[httpx.Response], str] | None = None,
    ) -> None:
        self.client = client
        self.caller = caller
        self._error_detail = error_detail or (lambda response: response.text[:200])

    def request_json(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | list[tuple[str, Any]] | None = None,
        json_body: Any = None,
    ) -> Any:
        """Send one request (retried per policy) and return its decoded JSON body."""

        def attempt() -> Any:
            return self._send_once(method, url, params, json_body)

        return self.caller.call(attempt, what=f"{method} {redact_url(url)}")

    def get_json(self, url: str, params: Mapping[str, Any] | list[tuple[str, Any]] | None = None) -> Any:
        """GET ``url`` and decode its JSON body."""
        return self.request_json("GET", url, params=params)

    def _send_once(
        self, method: str, url: str, params: Mapping[str, Any] | list[tuple[str, Any]] | None, json_body: Any
    ) -> Any:
        try:
            response = self.client.request(method, url, params=params, json=json_body)
        except httpx.TimeoutException as error:
            raise UpstreamError(f"timeout: {type(error).__name__}") from error
        except httpx.TransportError as error:
            raise UpstreamError(f"network: {type(error).__name__}") from error
        with self.caller._lock:
            stats = self.caller.stats.by_status
            stats[response.status_code] = stats.get(response.status_code, 0) + 1
        if response.is_redirect:
            raise _refuse_redirect(response.status_code, response.headers.get("location"))
        failure = error_for_status(response.status_code, response.headers, self._error_detail(response))
        if failure is not None:
            raise failure
        if response.status_code == 204 or not response.content:
            return None
        try:
            return decode_json(response.content)
        except ValueError as error:
            raise InvalidPayload(
                f"HTTP {response.status_code} with a body that is not valid JSON ({len(response.content)} bytes)",
                status=response.status_code,
            ) from error
