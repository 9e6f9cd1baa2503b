"""Trello's error answers: plain-text bodies for 400/401/404 (`invalid id`), JSON for rate limits."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import PlainTextResponse, Response

from emulators.http_errors import ErrorResponse, json_response

__all__ = ["TrelloError", "install_error_handlers", "trello_error"]

_RATE_LIMIT_MESSAGE = "Rate limit exceeded"


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

    async def on_trello_error(_: Request, error: Exception) -> Response:
        assert isinstance(error, TrelloError)
        return PlainTextResponse(error.message, status_code=error.status)

    async def on_validation_error(_: Request, error: Exception) -> Response:
        assert isinstance(error, RequestValidationError)
        names = [str(e.get("loc", ("", "value"))[-1]) for e in error.errors()]
        return PlainTextResponse(f"invalid value for {names[0] if names else 'value'}", status_code=400)

    app.add_exception_handler(TrelloError, on_trello_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
