"""Asana's error body `{"errors":[{"message","help"}]}` for API errors, faults, 429s and unknown routes."""

from __future__ import annotations

import json
from collections.abc import Mapping

from fastapi import FastAPI, Request
from fastapi.exception_handlers import request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from emulators.asgi_paths import is_control_path
from emulators.http_errors import ErrorResponse

__all__ = ["AsanaError", "error_body", "format_error", "install_error_handlers"]

HELP = (
    "For more information on API status codes and how to handle them, "
    "read the docs on errors: https://developers.asana.com/docs/errors"
)
RATE_LIMITED = "You have made too many requests recently. Please, be chill."
_DEFAULT_MESSAGES = {
    400: "Bad Request",
    401: "Not Authorized",
    402: "Payment Required",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    412: "Precondition Failed",
    429: RATE_LIMITED,
    500: "Server Error",
}


class AsanaError(Exception):
    """Raised by route handlers; rendered as Asana's error body with `status` (and extra top-level keys)."""

    def __init__(self, status: int, message: str | None = None, extra: Mapping[str, object] | None = None):
        super().__init__(message or _DEFAULT_MESSAGES.get(status, "Error"))
        self.status = status
        self.message = message or _DEFAULT_MESSAGES.get(status, "Error")
        self.extra = dict(extra or {})


def error_body(status: int, message: str) -> dict[str, object]:
    """`{"errors":[{"message","help"}]}`, plus the `phrase` Asana adds to server errors."""
    error: dict[str, object] = {"message": message, "help": HELP}
    if status >= 500:
        error["phrase"] = "6 sad squid snuggle softly"
    return {"errors": [error]}


def format_error(status: int, message: str, retry_after: int | None) -> ErrorResponse:
    """The engine's formatter (faults and rate limits): Asana body, Retry-After where given."""
    text = RATE_LIMITED if status == 429 else _DEFAULT_MESSAGES.get(status, message)
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
    body = json.dumps(error_body(status, text), separators=(",", ":")).encode()
    return ErrorResponse(status=status, body=body, headers=headers)


def _asana_response(error: AsanaError) -> JSONResponse:
    return JSONResponse({**error_body(error.status, error.message), **error.extra}, status_code=error.status)


def install_error_handlers(app: FastAPI) -> None:
    """Answer AsanaError, request validation errors and unknown routes with Asana's body."""

    async def on_asana_error(_: Request, error: Exception) -> Response:
        assert isinstance(error, AsanaError)
        return _asana_response(error)

    async def on_validation(request: Request, error: Exception) -> Response:
        assert isinstance(error, RequestValidationError)
        if is_control_path(request.url.path):
            return await request_validation_exception_handler(request, error)
        first = error.errors()[0] if error.errors() else {}
        location = ".".join(str(part) for part in first.get("loc", ())[1:]) or "request"
        return _asana_response(AsanaError(400, f"{location}: {first.get('msg', 'Invalid request')}"))

    async def on_http(request: Request, error: Exception) -> Response:
        assert isinstance(error, StarletteHTTPException)
        if is_control_path(request.url.path):
            return JSONResponse({"detail": error.detail}, status_code=error.status_code, headers=error.headers)
        message = _DEFAULT_MESSAGES.get(error.status_code, str(error.detail))
        return _asana_response(AsanaError(error.status_code, message))

    app.add_exception_handler(AsanaError, on_asana_error)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
