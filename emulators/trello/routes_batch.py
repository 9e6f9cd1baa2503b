"""`GET /1/batch?urls=/a,/b`: up to 10 GET routes in one call (Trello's batch endpoint).

The answer is a list, in the order of ``urls``, of one-key objects named by each route's status:
``[{"200": <its body>}, {"404": "The requested resource was not found."}]`` (a text body stays text). Routes
start with ``/`` and leave out the ``/1`` version; ``urls`` is split on its commas, so a comma inside a route's
own query is sent percent-encoded (``%2C``). A route is answered as its own GET would be, with the batch's
credentials; ``/batch`` itself cannot be batched (400). More than 10 routes, or none, is a 400.

Rate limits: Trello does not say how a batch counts. The emulator counts the batch as one request (like any
other) and each route as one more against the same token, key (and members) windows, so a client that
budgets ``1 + len(urls)`` per batch is safe whatever Trello does; a route refused there answers
``{"429": ...}`` in its place.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, Request
from fastapi.exceptions import RequestValidationError
from fastapi.params import Depends
from starlette.types import Message

from emulators.ratelimit_policy import RequestInfo
from emulators.trello.context import TrelloContext
from emulators.trello.errors import TrelloError
from emulators.trello.params import ParamsDep
from emulators.trello.ratelimit import TrelloRatePolicy

__all__ = ["MAX_BATCH_URLS", "batch_router"]

MAX_BATCH_URLS = 10


def _routes(raw: str | None) -> list[str]:
    routes = [part.strip() for part in (raw or "").split(",") if part.strip()]
    if not routes or len(routes) > MAX_BATCH_URLS:
        raise TrelloError(400, f"invalid value for urls: give 1 to {MAX_BATCH_URLS} routes")
    for route in routes:
        if not route.startswith("/") or route.startswith("/1/") or urlsplit(route).path.rstrip("/") == "/batch":
            raise TrelloError(400, f"invalid value for urls: {route}")
    return routes


def _inner_scope(outer: Request, route: str) -> dict[str, Any]:
    """The ASGI scope of one route: GET ``/1{route}``, the batch's headers and its key/token parameters."""
    parts = urlsplit(route)
    query = parts.query
    credentials = {name: outer.query_params[name] for name in ("key", "token") if name in outer.query_params}
    if credentials:
        query = "&".join(part for part in (query, urlencode(credentials)) if part)
    path = f"/1{parts.path}"
    headers = [(k, v) for k, v in outer.scope.get("headers", []) if k.lower() not in (b"content-length",)]
    return {
        **outer.scope,
        "method": "GET",
        "path": path,
        "raw_path": path.encode("latin-1"),
        "query_string": query.encode("latin-1"),
        "headers": headers,
    }


async def _dispatch(request: Request, scope: dict[str, Any]) -> tuple[int, bytes, str]:
    """Run one route through the app's router (no fault or rate middleware: the batch passed those)."""
    status = 500
    chunks: list[bytes] = []
    media = ""

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        nonlocal status, media
        if message["type"] == "http.response.start":
            status = int(message["status"])
            for name, value in message.get("headers", []):
                if name.lower() == b"content-type":
                    media = value.decode("latin-1")
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    try:
        await request.app.router(scope, receive, send)
    except TrelloError as error:
        return error.status, error.message.encode("utf-8"), "text/plain"
    except RequestValidationError:
        return 400, b"invalid value", "text/plain"
    return status, b"".join(chunks), media


def _entry(status: int, body: bytes, media: str) -> dict[str, Any]:
    text = body.decode("utf-8", errors="replace")
    if "json" in media:
        try:
            return {str(status): json.loads(text)}
        except ValueError:
            pass
    return {str(status): text}


def batch_router(ctx: TrelloContext, auth: Depends, policy: TrelloRatePolicy) -> APIRouter:
    """The /1/batch route."""
    router = APIRouter(prefix="/1", tags=["batch"], dependencies=[auth])
    runtime = ctx.runtime

    @router.get("/batch")
    async def batch(request: Request, params: ParamsDep) -> list[dict[str, Any]]:
        answers: list[dict[str, Any]] = []
        for route in _routes(params.text("urls")):
            scope = _inner_scope(request, route)
            if runtime.rate_limit.enabled:
                admission = policy.admit(RequestInfo.from_scope(scope), runtime.clock.timestamp())
                if admission.release is not None:
                    admission.release()
                if admission.rejection is not None:
                    runtime.rate_limit.rejected += 1
                    rejection = admission.rejection
                    answers.append(_entry(rejection.status, rejection.body, rejection.media_type or ""))
                    continue
            answers.append(_entry(*await _dispatch(request, scope)))
        return answers

    return router
