"""Asana's limits per token: 150 (free) or 1,500 (paid) requests a minute, 50 concurrent reads, 15 writes."""

from __future__ import annotations

from collections.abc import Hashable

from emulators.asana.errors import format_error
from emulators.asana.settings import AsanaPlan
from emulators.http_errors import ErrorResponse
from emulators.ratelimit import ConcurrencyLimiter, Decision, SlidingWindowLimiter
from emulators.ratelimit_policy import ConcurrencyRule, LimitRule, RequestInfo, RuleBasedPolicy, bearer_token

__all__ = ["MAX_CONCURRENT_READS", "MAX_CONCURRENT_WRITES", "asana_policy"]

MAX_CONCURRENT_READS = 50
MAX_CONCURRENT_WRITES = 15
WINDOW_SECONDS = 60.0


def _api(request: RequestInfo) -> bool:
    # A /batch envelope counts as nothing: each of its actions counts as one request (routes/batch.py).
    return request.path.startswith("/api/1.0/") and request.path.rstrip("/") != "/api/1.0/batch"


def _token(request: RequestInfo) -> Hashable | None:
    return (bearer_token(request) or "anonymous") if _api(request) else None


def _reads(request: RequestInfo) -> Hashable | None:
    return _token(request) if not request.is_write else None


def _writes(request: RequestInfo) -> Hashable | None:
    return _token(request) if request.is_write else None


def _reject(rule: str, decision: Decision | None) -> ErrorResponse:
    """429 with Retry-After: the window's reset for the minute limit, 1 s for a concurrency refusal."""
    return format_error(429, rule, decision.retry_after_seconds if decision is not None else 1)


def asana_policy(plan: AsanaPlan) -> RuleBasedPolicy:
    """A fresh policy (limiters hold state: one per app)."""
    return RuleBasedPolicy(
        rules=[
            # Rejected requests count too, as Asana documents.
            LimitRule(
                "per-minute",
                SlidingWindowLimiter(plan.requests_per_minute, WINDOW_SECONDS, count_rejected=True),
                _token,
            )
        ],
        concurrency=[
            ConcurrencyRule("concurrent-reads", ConcurrencyLimiter(MAX_CONCURRENT_READS), _reads),
            ConcurrencyRule("concurrent-writes", ConcurrencyLimiter(MAX_CONCURRENT_WRITES), _writes),
        ],
        reject=_reject,
    )
