"""Jira's burst limiter: a token bucket per (credential, endpoint family, method), 429 with its headers."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from emulators.http_errors import ErrorResponse, json_response
from emulators.jira.errors import jira_error_body
from emulators.ratelimit import Decision, RateKey, TokenBucketLimiter
from emulators.ratelimit_policy import (
    LimitRule,
    RequestInfo,
    RuleBasedPolicy,
    basic_auth_user,
    bearer_token,
    endpoint_family,
)

__all__ = ["BURST_CAPACITY", "BURST_REFILL_PER_SECOND", "jira_policy"]

BURST_CAPACITY = 100
BURST_REFILL_PER_SECOND = 10.0
REASON = "jira-burst-based"
NEAR_LIMIT_FRACTION = 0.2


def burst_key(request: RequestInfo) -> RateKey:
    """Who calls, which endpoint family, which method."""
    credential = basic_auth_user(request) or bearer_token(request) or "anonymous"
    return RateKey(credential, endpoint_family(request.path), request.method)


def reset_time(epoch: float) -> str:
    """X-RateLimit-Reset: an ISO 8601 UTC timestamp."""
    return datetime.fromtimestamp(epoch, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def reject(_: str, decision: Decision | None) -> ErrorResponse:
    """Jira's 429: Retry-After, X-RateLimit-Limit/Remaining/Reset and RateLimit-Reason."""
    retry_after = decision.retry_after_seconds if decision else 1
    headers = {
        "Retry-After": str(retry_after),
        "X-RateLimit-Limit": str(decision.limit if decision else BURST_CAPACITY),
        "X-RateLimit-Remaining": "0",
        "RateLimit-Reason": REASON,
    }
    if decision is not None:
        headers["X-RateLimit-Reset"] = reset_time(decision.reset_at)
    return json_response(429, jira_error_body(["Rate limit exceeded."]), headers)


def near_limit(decisions: Sequence[tuple[LimitRule, Decision]]) -> dict[str, str]:
    """X-RateLimit-NearLimit on admitted responses when under 20 % of the burst budget is left."""
    if decisions and decisions[-1][1].remaining < decisions[-1][1].limit * NEAR_LIMIT_FRACTION:
        return {"X-RateLimit-NearLimit": "true"}
    return {}


def jira_policy(capacity: int = BURST_CAPACITY, refill_per_second: float = BURST_REFILL_PER_SECOND) -> RuleBasedPolicy:
    """The policy the rate-limit middleware applies when `--rate-limit on`."""
    rule = LimitRule(REASON, TokenBucketLimiter(capacity, refill_per_second), burst_key)
    return RuleBasedPolicy(rules=[rule], reject=reject, headers=near_limit)
