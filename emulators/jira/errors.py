"""Jira's error body `{"errorMessages": [...], "errors": {...}}` for every refusal, fault and validation error."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from emulators.http_errors import ErrorResponse, json_response

__all__ = [
    "AUTH_REQUIRED",
    "JiraApiError",
    "bad_request",
    "install_error_handlers",
    "jira_error",
    "jira_error_body",
    "not_found",
]

AUTH_REQUIRED = "Client must be authenticated to access this resource."
_DEFAULT_MESSAGES = {
    404: "The requested resource could not be found.",
    405: "Method not allowed.",
}


def jira_error_body(messages: list[str], errors: dict[str, str] | None = None) -> dict[str, object]:
    """The body Jira sends with a 4xx or 5xx."""
    return {"errorMessages": messages, "errors": errors or {}}


def jira_error(status: int, message: str, retry_after: int | None) -> ErrorResponse:
    """The engine's ErrorFormatter: faults and rate-limit refusals in Jira's shape."""
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
    return json_response(status, jira_error_body([message]), headers)


class JiraApiError(Exception):
    """Raised by handlers; answered with Jira's error body."""

    def __init__(
        self,
        status: int,
        messages: list[str] | None = None,
        errors: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(status, messages, errors)
        self.status = status
        self.messages = messages or []
        self.errors = errors or {}
        self.headers = headers or {}


def bad_request(message: str) -> JiraApiError:
    """A 400 with one error message."""
    return JiraApiError(400, [message])


def not_found(message: str) -> JiraApiError:
    """A 404 with one error message."""
    return JiraApiError(404, [message])


def install_error_handlers(app: FastAPI) -> None:
    """Answer JiraApiError, HTTP errors and request validation errors with Jira's body."""

    async def on_jira_error(_: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, JiraApiError)
        body = jira_error_body(error.messages, error.errors)
        return JSONResponse(body, status_code=error.status, headers=error.headers)

    async def on_http_error(_: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, HTTPException)
        detail = error.detail if isinstance(error.detail, str) else ""
        message = _DEFAULT_MESSAGES.get(error.status_code, detail) if detail in ("", "Not Found") else detail
        return JSONResponse(
            jira_error_body([message]), status_code=error.status_code, headers=dict(error.headers or {})
        )

    async def on_validation_error(_: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, RequestValidationError)
        errors: dict[str, str] = {}
        for problem in error.errors():
            location = [str(part) for part in problem.get("loc", ()) if part not in ("body", "query", "path")]
            errors[".".join(location) or "request"] = str(problem.get("msg", "invalid"))
        return JSONResponse(
            jira_error_body(["Invalid request payload. Refer to the REST API documentation and try again."], errors),
            status_code=400,
        )

    app.add_exception_handler(JiraApiError, on_jira_error)
    app.add_exception_handler(HTTPException, on_http_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
