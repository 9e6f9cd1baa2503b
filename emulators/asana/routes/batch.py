"""`POST /batch`: up to 10 actions in one HTTP request (Asana's Batch API).

Body ``{"data": {"actions": [{relative_path, method, data?, options?}]}}``; answer ``{"data": [{status_code,
headers, body}]}`` in the order of the actions, a failing action answering its own status and Asana error body
while the batch stays 200. ``relative_path`` takes no query string: a GET's parameters come in ``data``,
paging and fields in ``options`` (``limit``, ``offset``, ``fields``). No actions, or more than 10, is a 400.

Rate limits: Asana counts a batch as one request per action against the per-minute and concurrency limits,
and the envelope itself not at all; the emulator does the same (the policy skips ``/batch``, each action is
admitted here), an action refused answering 429 in its place.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Message

from emulators.asana.context import API_PREFIX, AsanaContext
from emulators.asana.errors import RATE_LIMITED, AsanaError, error_body
from emulators.asana.routes.common import DataBody, api_router
from emulators.ratelimit_policy import RateLimitPolicy, RequestInfo

__all__ = ["BATCH_PATH", "MAX_ACTIONS", "build_batch_router"]

MAX_ACTIONS = 10
BATCH_PATH = f"{API_PREFIX}/batch"
_METHODS = frozenset({"get", "post", "put", "delete", "patch", "head"})


def _query(action: dict[str, Any]) -> str:
    """A GET action's query string: its ``data`` and its ``options`` (``fields`` as ``opt_fields``)."""
    params: dict[str, str] = {str(k): _text(v) for k, v in (action.get("data") or {}).items()}
    options = action.get("options") or {}
    if not isinstance(options, dict):
        raise AsanaError(400, "actions: options must be an object")
    for name in ("limit", "offset"):
        if options.get(name) is not None:
            params[name] = str(options[name])
    if options.get("fields"):
        params["opt_fields"] = _text(options["fields"])
    return urlencode(params)


def _text(value: Any) -> str:
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _action_scope(outer: Request, action: dict[str, Any]) -> tuple[dict[str, Any], bytes]:
    path = action.get("relative_path")
    method = str(action.get("method") or "").lower()
    if not isinstance(path, str) or not path.startswith("/") or "?" in path or method not in _METHODS:
        raise AsanaError(400, "actions: each needs a relative_path (no query) and a method")
    is_read = method in ("get", "head")
    body = b"" if is_read else json.dumps({"data": action.get("data") or {}}).encode()
    headers = [(k, v) for k, v in outer.scope.get("headers", []) if k.lower() not in (b"content-length",)]
    full = f"{API_PREFIX}{path}"
    scope = {
        **outer.scope,
        "method": method.upper(),
        "path": full,
        "raw_path": full.encode("latin-1"),
        "query_string": (_query(action) if is_read else "").encode("latin-1"),
        "headers": [*headers, (b"content-length", str(len(body)).encode())],
    }
    return scope, body


async def _dispatch(request: Request, scope: dict[str, Any], body: bytes) -> tuple[int, dict[str, str], Any]:
    """Run one action through the app's router (the batch itself passed the fault middleware)."""
    status, headers, chunks = 500, {}, []

    async def receive() -> Message:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: Message) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = int(message["status"])
            for name, value in message.get("headers", []):
                if name.lower() == b"location":
                    headers["location"] = value.decode("latin-1")
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    try:
        await request.app.router(scope, receive, send)
    except AsanaError as error:
        return error.status, {}, {**error_body(error.status, error.message), **error.extra}
    except RequestValidationError:
        return 400, {}, error_body(400, "Bad Request")
    except StarletteHTTPException as error:
        return error.status_code, {}, error_body(error.status_code, "Not Found")
    raw = b"".join(chunks)
    return status, headers, json.loads(raw) if raw else None


def build_batch_router(context: AsanaContext, policy: RateLimitPolicy) -> APIRouter:
    """The /batch route."""
    router = api_router(context, "batch")
    runtime = context.runtime

    @router.post("/batch")
    async def batch(request: Request, body: DataBody) -> dict[str, object]:
        actions = body.data.get("actions")
        if not isinstance(actions, list) or not actions or len(actions) > MAX_ACTIONS:
            raise AsanaError(400, f"actions: give 1 to {MAX_ACTIONS} actions")
        if not all(isinstance(action, dict) for action in actions):
            raise AsanaError(400, "actions: each action is an object")
        results: list[dict[str, object]] = []
        for action in actions:
            scope, payload = _action_scope(request, action)
            admission = None
            if runtime.rate_limit.enabled:
                admission = policy.admit(RequestInfo.from_scope(scope), runtime.clock.timestamp())
                if admission.rejection is not None:
                    runtime.rate_limit.rejected += 1
                    retry = admission.rejection.headers.get("Retry-After")
                    results.append(
                        {
                            "status_code": 429,
                            "headers": {"retry-after": retry} if retry else {},
                            "body": error_body(429, RATE_LIMITED),
                        }
                    )
                    continue
            try:
                status, headers, answer = await _dispatch(request, scope, payload)
            finally:
                if admission is not None and admission.release is not None:
                    admission.release()
            results.append({"status_code": status, "headers": headers, "body": answer})
        return {"data": results}

    return router
