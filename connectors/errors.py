"""The connector error tree. Every vendor failure becomes one of these before it leaves ``connectors/``.

::

    ConnectorError
    ├── AuthError            401 / 403: credentials wrong or lacking scope (never retried)
    ├── NotFound             404 (never retried)
    ├── BadRequest           400 and other 4xx: our request is wrong (never retried)
    ├── RateLimited          429, or 503 with Retry-After: retried after ``retry_after``
    ├── UpstreamError        5xx, timeouts, resets: retried with full jitter
    │   └── InvalidPayload   a 2xx whose body is not the JSON we expect (truncated, invalid): retried
    └── CircuitOpen          the connection's breaker is open: no call was made
"""

from __future__ import annotations

__all__ = [
    "AuthError",
    "BadRequest",
    "CircuitOpen",
    "ConnectorError",
    "InvalidPayload",
    "NotFound",
    "RateLimited",
    "UpstreamError",
]


class ConnectorError(Exception):
    """A vendor call failed; ``status`` is the HTTP status when there was one."""

    retryable = False

    def __init__(self, message: str, *, status: int | None = None, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


class AuthError(ConnectorError):
    """The vendor refused the credentials (401) or their permissions (403)."""


class NotFound(ConnectorError):
    """The object does not exist (or is not visible to these credentials)."""


class BadRequest(ConnectorError):
    """The vendor rejected the request itself; retrying cannot help."""


class RateLimited(ConnectorError):
    """The vendor asked us to slow down; ``retry_after`` seconds when it said so."""

    retryable = True


class UpstreamError(ConnectorError):
    """The vendor or the network failed in a way a retry may fix."""

    retryable = True


class InvalidPayload(UpstreamError):
    """A success status with a body that is not the JSON expected (truncated or invalid)."""


class CircuitOpen(ConnectorError):
    """Calls to this connection are suspended after repeated failures; nothing was sent."""
