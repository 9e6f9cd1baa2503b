"""Rate-limit primitives and policies, driven by the emulator clock (no sleeping)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from emulators.clock import EmulatorClock
from emulators.http_errors import json_response
from emulators.ratelimit import (
    ConcurrencyLimiter,
    FixedWindowLimiter,
    RateKey,
    SlidingWindowLimiter,
    TokenBucketLimiter,
)
from emulators.ratelimit_policy import (
    ConcurrencyRule,
    LimitRule,
    RequestInfo,
    RuleBasedPolicy,
    basic_auth_user,
    bearer_token,
    endpoint_family,
)
from emulators.server import running_server
from tests.emulators.conftest import example_config
from tests.emulators.example_vendor import RATE_LIMIT, TOKEN, build_app

KEY = RateKey("token-a", "/rest/api/3/search/jql", "GET")


def frozen_clock() -> EmulatorClock:
    clock = EmulatorClock(start=datetime(2025, 1, 1, tzinfo=UTC))
    clock.freeze()
    return clock


def test_token_bucket_refills_with_the_clock() -> None:
    clock = frozen_clock()
    bucket = TokenBucketLimiter(capacity=3, refill_per_second=1.0)
    assert [bucket.check(KEY, clock.timestamp()).allowed for _ in range(4)] == [True, True, True, False]
    refused = bucket.check(KEY, clock.timestamp())
    assert refused.retry_after_seconds == 1
    clock.advance(timedelta(seconds=1))
    assert bucket.check(KEY, clock.timestamp()).allowed
    assert not bucket.check(KEY, clock.timestamp()).allowed
    assert bucket.check(RateKey("token-b", KEY.endpoint, "GET"), clock.timestamp()).allowed


def test_fixed_window_resets_on_the_boundary() -> None:
    clock = frozen_clock()
    window = FixedWindowLimiter(limit=100, window_seconds=10)
    assert all(window.check(KEY, clock.timestamp()).allowed for _ in range(100))
    refused = window.check(KEY, clock.timestamp())
    assert not refused.allowed
    assert refused.remaining == 0
    assert refused.retry_after_seconds == 10
    clock.advance(timedelta(seconds=10))
    assert window.check(KEY, clock.timestamp()).allowed


def test_sliding_window_counts_the_last_interval() -> None:
    clock = frozen_clock()
    window = SlidingWindowLimiter(limit=3, window_seconds=60)
    for _ in range(3):
        assert window.check(KEY, clock.timestamp()).allowed
        clock.advance(timedelta(seconds=20))
    # t=60: the first request (t=0) has left the window
    assert window.check(KEY, clock.timestamp()).allowed
    refused = window.check(KEY, clock.timestamp())
    assert not refused.allowed
    assert refused.retry_after_seconds == 20


def test_concurrency_limiter_caps_in_flight_per_key() -> None:
    limiter = ConcurrencyLimiter(max_in_flight=2)
    assert limiter.try_enter("reads")
    assert limiter.try_enter("reads")
    assert not limiter.try_enter("reads")
    assert limiter.try_enter("writes")
    limiter.leave("reads")
    assert limiter.try_enter("reads")


def test_rule_based_policy_rejects_with_the_vendor_429_and_releases_slots() -> None:
    clock = frozen_clock()
    slots = ConcurrencyLimiter(1)
    policy = RuleBasedPolicy(
        rules=[LimitRule("minute", SlidingWindowLimiter(2, 60), lambda r: bearer_token(r))],
        concurrency=[ConcurrencyRule("reads", slots, lambda r: None if r.is_write else bearer_token(r))],
        reject=lambda rule, d: json_response(429, {"errors": [{"message": rule}]}),
    )
    request = RequestInfo("GET", "/tasks", {}, {"authorization": "Bearer pat"})
    first = policy.admit(request, clock.timestamp())
    assert first.rejection is None
    assert first.release is not None
    assert policy.admit(request, clock.timestamp()).rejection is not None  # concurrency: one in flight
    first.release()
    assert policy.admit(request, clock.timestamp()).rejection is None
    assert slots.in_flight("pat") == 1  # not released by the test: still held


def test_request_helpers() -> None:
    request = RequestInfo("GET", "/x", {}, {"authorization": "Basic YmF0b25AZXhhbXBsZS5jb206dG9rZW4="})
    assert basic_auth_user(request) == "baton@example.com"
    assert bearer_token(request) is None
    assert endpoint_family("/rest/api/3/issue/PAY-12/comment/10001") == "/rest/api/3/issue/{id}/comment/{id}"


def test_rate_limit_over_http_follows_the_emulator_clock() -> None:
    app = build_app(example_config(rate_limit=True))
    with (
        running_server(app) as url,
        httpx.Client(base_url=url, headers={"Authorization": f"Bearer {TOKEN}"}) as client,
    ):
        client.post("/_emulator/clock", json={"freeze": True})
        statuses = [client.get("/rest/api/items").status_code for _ in range(RATE_LIMIT + 2)]
        assert statuses == [200] * RATE_LIMIT + [429, 429]
        refused = client.get("/rest/api/items")
        assert int(refused.headers["Retry-After"]) >= 1
        assert refused.json()["errorMessages"]
        assert client.get("/_emulator/health").status_code == 200  # control API is never limited
        client.post("/_emulator/clock", json={"advance_seconds": 10})
        admitted = client.get("/rest/api/items")
        assert admitted.status_code == 200
        assert admitted.headers["X-RateLimit-Limit"] == str(RATE_LIMIT)
        client.put("/_emulator/rate-limit", json={"enabled": False})
        assert all(client.get("/rest/api/items").status_code == 200 for _ in range(RATE_LIMIT + 1))
