"""Trello's error answers: plain-text bodies for 400/401/404 (`invalid id`), JSON for rate limits.

A client that accepts only JSON (`Accept: application/json`, as py-trello sends) gets the published spec's
`Error` object instead, `{"code": ..., "message": <the same text>}`.
"""

from __future__ import annotations

import json

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from emulators.http_errors import ErrorResponse, json_response

__all__ = ["TrelloError", "error_response", "install_error_handlers", "json_body", "trello_error", "wants_json_only"]

_RATE_LIMIT_MESSAGE = "Rate limit exceeded"
_CODES = {400: "INVALID_VALUE", 401: "UNAUTHORIZED", 403: "FORBIDDEN", 404: "NOT_FOUND"}


class TrelloError(Exception):
    """An API error answered as Trello does: a status and a short plain-text message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def trello_error(status: int, message: str, retry_after: int | None) -> ErrorResponse:
    """The engine's formatter (faults): 429 as Trello's JSON with a code, others as plain text."""
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
    if status == 429:
        return json_response(status, {"error": "API_TOKEN_LIMIT_EXCEEDED", "message": _RATE_LIMIT_MESSAGE}, headers)
    return ErrorResponse(status, message.encode("utf-8"), headers, media_type="text/plain; charset=utf-8")


def install_error_handlers(app: FastAPI) -> None:
    """Answer TrelloError and malformed parameters (400 `invalid value for …`) in Trello's style."""

    async def on_trello_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, TrelloError)
        return error_response(request, error.status, error.message)

    async def on_validation_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, RequestValidationError)
        names = [str(e.get("loc", ("", "value"))[-1]) for e in error.errors()]
        return error_response(request, 400, f"invalid value for {names[0] if names else 'value'}")

    app.add_exception_handler(TrelloError, on_trello_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)


def json_body(content: object) -> Response:
    """A JSON answer serialised once (large card and action pages skip response-model validation)."""
    body = json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return Response(body, media_type="application/json")


def wants_json_only(request: Request) -> bool:
    """Whether the client's Accept names JSON and nothing broader."""
    accepted = [part.split(";")[0].strip() for part in request.headers.get("accept", "").split(",")]
    return "application/json" in accepted and not {"*/*", "text/plain", "text/*"} & set(accepted)


def error_response(request: Request, status: int, message: str) -> Response:
    """Plain text as Trello sends it, or the spec's Error object for JSON-only clients."""
    if wants_json_only(request):
        return JSONResponse({"code": _CODES.get(status, "ERROR"), "message": message}, status_code=status)
    return PlainTextResponse(message, status_code=status)
