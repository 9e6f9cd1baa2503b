"""Vendors' webhook POSTs answered before FastAPI's router, by the same receivers the routes call.

A delivery needs its connection name, the headers its route declares, the raw body and (Asana) the ``sub``
query; the per-request work of FastAPI's router is for the API routes: matching the path against every
router, solving dependencies, validating declared parameters through pydantic, the exception and exit-stack
middleware. This middleware sits inside the metrics, CORS, rate-limit and body-limit middleware (so every
answer is still counted under its route template, and the 1 MiB limit still applies while the body is
read) and hands ``POST /webhooks/{jira|trello|asana}/{connection}`` straight to
``api.webhooks.routes.deliver_*``. Whatever it is not sure of goes on to the routes unchanged, which then
answer as the reference: any other method (Trello's HEAD), a ``root_path`` deployment, or an Asana ``sub``
the route's parameter validation would refuse (422).
"""

from __future__ import annotations

import re

from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from api.state import AppState
from api.webhooks import routes
from models.enums import Vendor

__all__ = ["WebhookFastPath"]

_PATH = re.compile(r"/webhooks/(jira|trello|asana)/([^/]+)")
"""The receivers' paths: ``{connection}`` is one path segment, as Starlette's default ``str`` convertor."""
_SUBSCRIPTION = re.compile(rf"[A-Za-z0-9._~-]{{1,{routes.SUBSCRIPTION_TOKEN_MAX}}}")
"""An Asana ``sub`` the route accepts as it is (anything else goes to the route, for its 422)."""


def _post_routes() -> dict[Vendor, APIRoute]:
    """Each vendor's POST route: the fast path records its answers under the same route template."""
    found = {}
    for route in routes.router.routes:
        if isinstance(route, APIRoute) and "POST" in (route.methods or ()):
            match = _PATH.fullmatch(route.path)
            assert match is not None, route.path
            found[Vendor(match[1])] = route
    assert set(found) == set(Vendor), found
    return found


class WebhookFastPath:
    """Serves signed webhook POSTs with ``api.webhooks.routes.deliver_*``; everything else passes through."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._routes = _post_routes()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        match = _PATH.fullmatch(scope["path"]) if scope["type"] == "http" and scope["method"] == "POST" else None
        state = getattr(getattr(scope.get("app"), "state", None), "baton", None)
        if match is None or scope.get("root_path") or not isinstance(state, AppState):
            await self.app(scope, receive, send)
            return
        vendor, connection = Vendor(match[1]), match[2]
        request = Request(scope, receive)
        sub = request.query_params.get("sub") if vendor is Vendor.ASANA else None
        if sub is not None and _SUBSCRIPTION.fullmatch(sub) is None:
            await self.app(scope, receive, send)
            return
        headers = {name: request.headers.get(name) for name in routes.DECLARED_HEADERS[vendor]}
        scope["route"] = self._routes[vendor]
        body = await request.body()
        if vendor is Vendor.JIRA:
            response = await routes.deliver_jira(state, connection, headers, body)
        elif vendor is Vendor.TRELLO:
            response = await routes.deliver_trello(state, connection, headers, body, lambda: str(request.url))
        else:
            response = await routes.deliver_asana(state, connection, headers, body, sub)
        await response(scope, receive, send)
