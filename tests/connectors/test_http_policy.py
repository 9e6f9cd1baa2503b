"""The one HTTP policy over real HTTP: P1 (Retry-After), P2 (full jitter), P5 (non-retryable), P6 (breaker)."""

from __future__ import annotations

import random
import threading
from collections import deque
from datetime import UTC, datetime

import httpx
import pytest

from connectors.errors import (
    AuthError,
    BadRequest,
    CircuitOpen,
    InvalidPayload,
    NotFound,
    RateLimited,
    UpstreamError,
)
from connectors.http import (
    CircuitBreaker,
    ConcurrencyGate,
    RateGate,
    ResilientCaller,
    RetryPolicy,
    TokenBucketGate,
    VendorHttp,
    error_for_status,
    parse_retry_after,
    redact_url,
)
from tests.fake_time import FakeTime
from tests.scripted_server import Reply, Script, serve_script

pytestmark = pytest.mark.reliability

OK = Reply(200, b'{"ok": true}')


def vendor_http(base_url: str, fake: FakeTime, **caller_options: object) -> VendorHttp:
    client = httpx.Client(base_url=base_url, timeout=httpx.Timeout(5.0, read=1.0))
    caller = ResilientCaller(time_source=fake, rng=random.Random(1), **caller_options)  # type: ignore[arg-type]
    return VendorHttp(client, caller)


def test_p1_retry_after_is_a_floor_for_the_next_attempt() -> None:
    script = Script(deque([Reply(429, b"{}", (("Retry-After", "7"),)), OK]))
    fake = FakeTime()
    with serve_script(script) as url:
        assert vendor_http(url, fake).get_json("/rest/api/3/search/jql") == {"ok": True}
    assert len(script.seen) == 2
    assert len(fake.sleeps) == 1
    assert fake.sleeps[0] >= 7


def test_p1_total_waiting_is_capped_then_the_call_fails_not_the_process() -> None:
    script = Script(default=Reply(429, b"{}", (("Retry-After", "50"),)))
    fake = FakeTime()
    with serve_script(script) as url, pytest.raises(RateLimited):
        vendor_http(url, fake).get_json("/x")
    assert sum(fake.sleeps) <= 120
    assert all(wait >= 50 for wait in fake.sleeps)
    assert len(script.seen) == len(fake.sleeps) + 1


def test_p1_http_date_retry_after() -> None:
    now = datetime(2026, 11, 24, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("Tue, 24 Nov 2026 12:00:30 GMT", now) == 30
    assert parse_retry_after("12") == 12
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


def first_retry_delays(policy: RetryPolicy, workers: int) -> list[float]:
    error = UpstreamError("HTTP 503", status=503)
    return [policy.wait_seconds(3, error, random.Random(seed)) for seed in range(workers)]


def busiest_slice_share(delays: list[float], window: float) -> float:
    slices = [0] * 10
    for delay in delays:
        slices[min(9, int(delay / window * 10))] += 1
    return max(slices) / len(delays)


def test_p2_full_jitter_spreads_a_thundering_herd() -> None:
    policy = RetryPolicy(base_seconds=0.5, cap_seconds=30)
    window = min(policy.cap_seconds, policy.base_seconds * 2**2)
    delays = first_retry_delays(policy, 1_000)
    assert all(0 <= d <= window for d in delays)
    assert busiest_slice_share(delays, window) <= 0.15


def test_p2_control_fixed_interval_backoff_fails_the_same_check() -> None:
    class FixedPolicy(RetryPolicy):
        def wait_seconds(self, attempt: int, error: BaseException | None, rng: random.Random) -> float:
            return min(self.cap_seconds, self.base_seconds * 2 ** (attempt - 1))

    policy = FixedPolicy(base_seconds=0.5, cap_seconds=30)
    window = min(policy.cap_seconds, policy.base_seconds * 2**2)
    assert busiest_slice_share(first_retry_delays(policy, 1_000), window) > 0.15


@pytest.mark.parametrize(("status", "error"), [(400, BadRequest), (403, AuthError), (404, NotFound), (422, BadRequest)])
def test_p5_non_retryable_statuses_are_sent_exactly_once(status: int, error: type[Exception]) -> None:
    script = Script(default=Reply(status, b'{"errorMessages": ["nope"]}'))
    fake = FakeTime()
    with serve_script(script) as url, pytest.raises(error, match=f"HTTP {status}"):
        vendor_http(url, fake).get_json("/x")
    assert len(script.seen) == 1
    assert fake.sleeps == []


def test_p5_a_401_refreshes_credentials_once_then_tries_once_more() -> None:
    refreshes: list[int] = []
    script = Script(deque([Reply(401, b"{}"), OK]))
    with serve_script(script) as url:
        http = vendor_http(url, FakeTime(), refresh_credentials=lambda: refreshes.append(1) is None)
        assert http.get_json("/x") == {"ok": True}
    assert refreshes == [1]
    assert len(script.seen) == 2


def test_p5_a_second_401_after_refresh_is_final() -> None:
    refreshes: list[int] = []
    script = Script(default=Reply(401, b"{}"))
    with serve_script(script) as url, pytest.raises(AuthError):
        vendor_http(url, FakeTime(), refresh_credentials=lambda: refreshes.append(1) is None).get_json("/x")
    assert refreshes == [1]
    assert len(script.seen) == 2


def test_p6_breaker_opens_after_five_failures_and_sends_nothing_while_open() -> None:
    fake = FakeTime()
    breaker = CircuitBreaker(failure_threshold=5, reset_seconds=300, time_source=fake)
    script = Script(default=Reply(500, b"{}"))
    with serve_script(script) as url:
        http = vendor_http(url, fake, breaker=breaker, policy=RetryPolicy(max_attempts=10))
        with pytest.raises(CircuitOpen):
            http.get_json("/a")
        assert len(script.seen) == 5
        for _ in range(20):
            with pytest.raises(CircuitOpen):
                http.get_json("/b")
        assert len(script.seen) == 5  # 0 outbound calls while open
        fake.advance(301)
        with pytest.raises(CircuitOpen):
            http.get_json("/c")  # one probe goes out, fails, and the breaker opens again
        assert len(script.seen) == 6
        script.default = OK
        fake.advance(301)
        assert http.get_json("/d") == {"ok": True}
        assert breaker.state == "closed"


def test_p6_another_connection_is_unaffected_while_one_is_open() -> None:
    fake = FakeTime()
    failing, healthy = Script(default=Reply(503, b"{}")), Script(default=OK)
    with serve_script(failing) as bad_url, serve_script(healthy) as good_url:
        bad = vendor_http(bad_url, fake, breaker=CircuitBreaker(time_source=fake))
        good = vendor_http(good_url, fake, breaker=CircuitBreaker(time_source=fake))
        with pytest.raises(CircuitOpen):
            bad.get_json("/x")
        assert [good.get_json(f"/{i}") for i in range(50)] == [{"ok": True}] * 50
    assert len(healthy.seen) == 50


@pytest.mark.parametrize(
    "fault",
    [
        Reply(200, b'{"issues": [{"id": "1"'),  # truncated JSON
        Reply(200, b"<html>oops</html>"),  # invalid JSON
        Reply(fault="reset"),
        Reply(502, b"bad gateway"),
        Reply(503, b"{}", (("Retry-After", "2"),)),
        Reply(504, b""),
    ],
    ids=["truncated", "invalid", "reset", "502", "503-retry-after", "504"],
)
def test_faults_are_retried_until_the_vendor_recovers(fault: Reply) -> None:
    script = Script(deque([fault, fault, OK]))
    with serve_script(script) as url:
        assert vendor_http(url, FakeTime()).get_json("/x") == {"ok": True}
    assert len(script.seen) == 3


def test_a_read_timeout_is_an_upstream_error_and_retried() -> None:
    script = Script(deque([Reply(fault="hang"), OK]))
    with serve_script(script) as url:
        assert vendor_http(url, FakeTime()).get_json("/x") == {"ok": True}


def test_broken_bodies_become_invalid_payload_when_they_persist() -> None:
    script = Script(default=Reply(200, b'{"values": ['))
    with serve_script(script) as url, pytest.raises(InvalidPayload, match="not valid JSON"):
        vendor_http(url, FakeTime(), policy=RetryPolicy(max_attempts=3)).get_json("/x")
    assert len(script.seen) == 3


def test_classification_table() -> None:
    assert error_for_status(200, {}) is None
    assert isinstance(error_for_status(429, {"retry-after": "3"}), RateLimited)
    assert error_for_status(429, {"retry-after": "3"}).retry_after == 3  # type: ignore[union-attr]
    assert isinstance(error_for_status(503, {}), UpstreamError)
    assert isinstance(error_for_status(408, {}), UpstreamError)
    assert isinstance(error_for_status(401, {}), AuthError)
    assert isinstance(error_for_status(410, {}), NotFound)
    assert isinstance(error_for_status(409, {}), BadRequest)


def test_credentials_in_urls_are_redacted_for_logs() -> None:
    redacted = redact_url("https://api.trello.com/1/boards/b1/cards?key=K123&token=T456&limit=1000")
    assert "K123" not in redacted
    assert "T456" not in redacted
    assert "limit=1000" in redacted


def test_rate_gate_never_exceeds_its_window() -> None:
    fake = FakeTime()
    gate = RateGate(limit=100, window_seconds=10, time_source=fake)
    sent = []
    for _ in range(350):
        gate.acquire()
        sent.append(fake.monotonic())
    for i, start in enumerate(sent):
        in_window = sum(1 for t in sent[i:] if t - start < 10)
        assert in_window <= 100
    assert sent[-1] - sent[0] >= 30  # 350 calls at 100 per 10 s need at least three windows


def test_token_bucket_gate_admits_a_burst_then_the_refill_rate() -> None:
    fake = FakeTime()
    gate = TokenBucketGate(capacity=100, per_second=10, time_source=fake)
    start, sent = fake.monotonic(), []
    for _ in range(350):
        gate.acquire()
        sent.append(fake.monotonic() - start)
    assert sent[99] == 0.0  # the full bucket: 100 calls at once
    assert sent[100] > 0.0
    # afterwards one call per 1/10 s: call n (n >= 100) goes no earlier than (n - 99) / 10 s
    assert all(at >= (n - 99) / 10 - 1e-9 for n, at in enumerate(sent))
    assert sent[-1] == pytest.approx(25.0, abs=0.01)  # 250 refills at 10 a second
    fake.advance(5)  # idle: the bucket refills, 50 tokens in 5 s
    resumed = fake.monotonic()
    for _ in range(50):
        gate.acquire()
    assert fake.monotonic() == resumed
    gate.acquire()
    assert fake.monotonic() > resumed


def test_concurrency_gate_caps_calls_in_flight() -> None:
    gate = ConcurrencyGate(5)
    in_flight, peak = 0, 0
    lock = threading.Lock()
    barrier = threading.Barrier(20)

    def work() -> None:
        nonlocal in_flight, peak
        barrier.wait()
        for _ in range(50):
            with gate:
                with lock:
                    in_flight += 1
                    peak = max(peak, in_flight)
                with lock:
                    in_flight -= 1

    threads = [threading.Thread(target=work) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert 1 <= peak <= 5
