"""The delivery worker: signs and POSTs payloads, retries on a (time-scaled) schedule, logs attempts."""

from __future__ import annotations

import asyncio
import itertools
import random
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

import httpx

from emulators.clock import EmulatorClock
from emulators.webhooks.subscriptions import Subscription, SubscriptionRegistry

__all__ = ["DeliveryOutcome", "DeliveryRecord", "DeliveryWorker", "WebhookProfile", "default_retry_on"]


class DeliveryOutcome(StrEnum):
    """What one attempt led to."""

    DELIVERED = "delivered"
    RETRYING = "retrying"
    FAILED = "failed"
    SUBSCRIPTION_REMOVED = "subscription_removed"
    SKIPPED = "skipped"
    DROPPED = "dropped"  # silently never sent (the drop-rate fault): the receiver never hears of it


@dataclass(frozen=True)
class DeliveryRecord:
    """One attempt in the delivery log."""

    delivery_id: str
    subscription_id: str
    target: str
    attempt: int
    status_code: int | None
    error: str | None
    outcome: DeliveryOutcome
    at: float

    def to_json(self) -> dict[str, object]:
        """Control-API view."""
        return {
            "delivery_id": self.delivery_id,
            "subscription_id": self.subscription_id,
            "target": self.target,
            "attempt": self.attempt,
            "status_code": self.status_code,
            "error": self.error,
            "outcome": self.outcome.value,
            "at": self.at,
        }


def default_retry_on(status: int | None) -> bool:
    """Retry connection failures, timeouts, 408, 409, 425, 429 and 5xx (Jira's documented set)."""
    return status is None or status in (408, 409, 425, 429) or status >= 500


SignFn = Callable[[Subscription, bytes], dict[str, str]]
HeaderFn = Callable[[Subscription, str, int], dict[str, str]]


@dataclass(frozen=True)
class WebhookProfile:
    """A vendor's delivery behaviour: signature, extra headers, retry schedule, what deletes a webhook."""

    vendor: str
    sign: SignFn
    retry_delays: tuple[float, ...] = (60.0, 300.0, 900.0)
    retry_on: Callable[[int | None], bool] = default_retry_on
    remove_on: frozenset[int] = field(default_factory=frozenset)
    remove_when_exhausted: bool = False
    attempt_timeout: float = 10.0
    headers: HeaderFn | None = None
    user_agent: str = "Baton-Emulator-Webhooks/1.0"


class DeliveryWorker:
    """Runs deliveries as asyncio tasks in the emulator's loop; `enqueue` may be called from any thread."""

    def __init__(
        self,
        registry: SubscriptionRegistry,
        profile: WebhookProfile,
        clock: EmulatorClock,
        *,
        time_scale: float = 1.0,
        log_size: int = 10_000,
        max_concurrency: int = 16,
        drop_rate: float = 0.0,
        drop_seed: int = 0,
    ) -> None:
        self.registry = registry
        self.profile = profile
        self.clock = clock
        self.time_scale = time_scale
        self._log: deque[DeliveryRecord] = deque(maxlen=log_size)
        self._log_lock = threading.Lock()
        self._ids = itertools.count(1)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._client: httpx.AsyncClient | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._pending: list[tuple[str, bytes, str]] = []
        self._max_concurrency = max_concurrency
        self._semaphore: asyncio.Semaphore | None = None
        self._drop_lock = threading.Lock()
        self._drop_rng = random.Random(drop_seed)
        self.drop_rate = drop_rate
        self.dropped = 0
        self._in_flight = 0

    def set_drop_rate(self, rate: float, *, seed: int | None = None) -> None:
        """Silently drop this share of deliveries from now on (0 disables); optionally reseed the choice."""
        if not 0.0 <= rate <= 1.0:
            raise ValueError("the drop rate must be within 0..1")
        with self._drop_lock:
            self.drop_rate = rate
            if seed is not None:
                self._drop_rng = random.Random(seed)

    @property
    def in_flight(self) -> int:
        """Deliveries enqueued and not yet finished (delivered, failed for good or skipped), retries included."""
        with self._drop_lock:
            return self._in_flight

    def _drops_next(self) -> bool:
        with self._drop_lock:
            if self.drop_rate <= 0.0 or self._drop_rng.random() >= self.drop_rate:
                return False
            self.dropped += 1
            return True

    async def start(self) -> None:
        """Bind to the running loop and send whatever was queued before start."""
        self._loop = asyncio.get_running_loop()
        self._client = httpx.AsyncClient(timeout=self.profile.attempt_timeout)
        self._semaphore = asyncio.Semaphore(self._max_concurrency)
        pending, self._pending = self._pending, []
        for subscription_id, body, delivery_id in pending:
            self._spawn(subscription_id, body, delivery_id)

    async def stop(self) -> None:
        """Cancel deliveries in flight and close the HTTP client."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._client is not None:
            await self._client.aclose()
        self._loop = None

    def enqueue(self, subscription_id: str, body: bytes, delivery_id: str | None = None) -> str:
        """Schedule delivery of `body` to one subscription; returns the delivery id (kept across retries)."""
        delivery_id = delivery_id or f"d-{next(self._ids)}"
        if self._drops_next():
            gone = self.registry.get(subscription_id) or Subscription(id=subscription_id, target="")
            self._record(delivery_id, gone, 0, None, "dropped", DeliveryOutcome.DROPPED)
            return delivery_id
        with self._drop_lock:
            self._in_flight += 1
        loop = self._loop
        if loop is None:
            self._pending.append((subscription_id, body, delivery_id))
        elif _in_loop(loop):
            self._spawn(subscription_id, body, delivery_id)
        else:
            loop.call_soon_threadsafe(self._spawn, subscription_id, body, delivery_id)
        return delivery_id

    def broadcast(self, body_for: Callable[[Subscription], bytes | None]) -> list[str]:
        """Enqueue to every active subscription for which `body_for` returns a body."""
        ids = []
        for subscription in self.registry.active():
            body = body_for(subscription)
            if body is not None:
                ids.append(self.enqueue(subscription.id, body))
        return ids

    def deliveries(self, limit: int | None = None) -> list[DeliveryRecord]:
        """The delivery log, oldest first (the last `limit` records)."""
        with self._log_lock:
            records = list(self._log)
        return records if limit is None else records[-limit:]

    async def send_once(self, subscription: Subscription, body: bytes) -> int | None:
        """One signed POST outside the retry machinery (handshake pings); returns the status or None."""
        status, _ = await self._post(subscription, body, f"d-{next(self._ids)}", 1)
        return status

    def start_heartbeat(self, interval_seconds: float, body_for: Callable[[Subscription], bytes | None]) -> None:
        """Every `interval_seconds` of emulated time (scaled), broadcast a heartbeat (Asana: every 8 h)."""
        if self._loop is None:
            raise RuntimeError("start the worker before its heartbeat")

        async def beat() -> None:
            while True:
                await asyncio.sleep(interval_seconds * self.time_scale)
                self.broadcast(body_for)

        self._track(self._loop.create_task(beat()))

    def _spawn(self, subscription_id: str, body: bytes, delivery_id: str) -> None:
        assert self._loop is not None
        task = self._loop.create_task(self._deliver(subscription_id, body, delivery_id))
        task.add_done_callback(self._finished)
        self._track(task)

    def _finished(self, _: asyncio.Task[None]) -> None:
        with self._drop_lock:
            self._in_flight -= 1

    def _track(self, task: asyncio.Task[None]) -> None:
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _deliver(self, subscription_id: str, body: bytes, delivery_id: str) -> None:
        assert self._semaphore is not None
        delays = self.profile.retry_delays
        for attempt in range(1, len(delays) + 2):
            subscription = self.registry.get(subscription_id)
            if subscription is None or not subscription.active:
                gone = subscription or Subscription(id=subscription_id, target="")
                self._record(delivery_id, gone, attempt, None, "inactive", DeliveryOutcome.SKIPPED)
                return
            async with self._semaphore:
                status, error = await self._post(subscription, body, delivery_id, attempt)
            now = self.clock.timestamp()
            if status is not None and 200 <= status < 300:
                subscription.consecutive_failures = 0
                subscription.first_failure_at = None
                subscription.last_success_at = now
                self._record(delivery_id, subscription, attempt, status, None, DeliveryOutcome.DELIVERED)
                return
            subscription.consecutive_failures += 1
            subscription.first_failure_at = subscription.first_failure_at or now
            subscription.last_failure_at = now
            subscription.last_failure_content = error or f"HTTP {status}"
            if status in self.profile.remove_on:
                self.registry.remove(subscription.id)
                self._record(delivery_id, subscription, attempt, status, error, DeliveryOutcome.SUBSCRIPTION_REMOVED)
                return
            if attempt <= len(delays) and self.profile.retry_on(status):
                self._record(delivery_id, subscription, attempt, status, error, DeliveryOutcome.RETRYING)
                await asyncio.sleep(delays[attempt - 1] * self.time_scale)
                continue
            outcome = DeliveryOutcome.FAILED
            if self.profile.remove_when_exhausted:
                self.registry.remove(subscription.id)
                outcome = DeliveryOutcome.SUBSCRIPTION_REMOVED
            self._record(delivery_id, subscription, attempt, status, error, outcome)
            return

    async def _post(
        self, subscription: Subscription, body: bytes, delivery_id: str, attempt: int
    ) -> tuple[int | None, str | None]:
        assert self._client is not None
        headers = {"Content-Type": "application/json", "User-Agent": self.profile.user_agent}
        headers.update(self.profile.sign(subscription, body))
        if self.profile.headers is not None:
            headers.update(self.profile.headers(subscription, delivery_id, attempt))
        try:
            response = await self._client.post(subscription.target, content=body, headers=headers)
        except httpx.HTTPError as error:
            return None, f"{type(error).__name__}: {error}"
        return response.status_code, None

    def _record(
        self,
        delivery_id: str,
        subscription: Subscription,
        attempt: int,
        status: int | None,
        error: str | None,
        outcome: DeliveryOutcome,
    ) -> None:
        record = DeliveryRecord(
            delivery_id,
            subscription.id,
            subscription.target,
            attempt,
            status,
            error,
            outcome,
            self.clock.timestamp(),
        )
        with self._log_lock:
            self._log.append(record)


def _in_loop(loop: asyncio.AbstractEventLoop) -> bool:
    try:
        return asyncio.get_running_loop() is loop
    except RuntimeError:
        return False
