"""Vendor error responses: the shape every vendor formatter returns, and the contract for Retry-After."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = [
    "ErrorFormatter",
    "ErrorResponse",
    "default_error_formatter",
    "ensure_retry_after",
    "json_response",
]


@dataclass(frozen=True)
class ErrorResponse:
    """A complete HTTP error answer: status, body bytes and headers."""

    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    media_type: str = "application/json"

    def raw_headers(self) -> list[tuple[bytes, bytes]]:
        """Return ASGI headers including content-type and content-length."""
        headers = {"content-type": self.media_type, **{k.lower(): v for k, v in self.headers.items()}}
        headers["content-length"] = str(len(self.body))
        return [(name.encode("latin-1"), value.encode("latin-1")) for name, value in headers.items()]


# (status, message, retry_after_seconds or None) -> response. Vendors supply one; the engine adds Retry-After.
ErrorFormatter = Callable[[int, str, "int | None"], ErrorResponse]


def json_response(status: int, payload: object, headers: dict[str, str] | None = None) -> ErrorResponse:
    """Build an ErrorResponse with a compact JSON body."""
    body = json.dumps(payload, separators=(",", ":")).encode("utf-8")
    return ErrorResponse(status=status, body=body, headers=dict(headers or {}))


def default_error_formatter(status: int, message: str, retry_after: int | None) -> ErrorResponse:
    """A neutral `{"error": message}` body, for tests and for vendors that have not supplied their own."""
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
    return json_response(status, {"error": message, "status": status}, headers)


def ensure_retry_after(response: ErrorResponse, retry_after: int) -> ErrorResponse:
    """Add Retry-After to a 429 or 503 that lacks one (some peers crash without it)."""
    if response.status not in (429, 503) or any(k.lower() == "retry-after" for k in response.headers):
        return response
    return ErrorResponse(
        status=response.status,
        body=response.body,
        headers={**response.headers, "Retry-After": str(retry_after)},
        media_type=response.media_type,
    )
