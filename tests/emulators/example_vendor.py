"""A tiny vendor built on the engine, proving it end to end: paging, writes, faults, 429s, signed webhooks."""

from __future__ import annotations

import json
import socket
from typing import Annotated, Any

from fastapi import FastAPI, HTTPException, Query, Request
from pydantic import BaseModel

from emulators.app import create_emulator_app
from emulators.config import EmulatorConfig
from emulators.events import ChangeEvent
from emulators.fault_middleware import TRANSPORT_EXTENSION
from emulators.http_errors import ErrorResponse, json_response
from emulators.org.model import EventKind, Item, Vendor
from emulators.ratelimit import Decision, FixedWindowLimiter
from emulators.ratelimit_policy import LimitRule, RequestInfo, RuleBasedPolicy, bearer_token, endpoint_family
from emulators.registry import VendorPlugin
from emulators.runtime import EmulatorRuntime
from emulators.signing import jira_hub_signature
from emulators.webhooks import Subscription, WebhookProfile

TOKEN = "example-token"
RATE_LIMIT = 5
RATE_WINDOW = 10.0


def format_error(status: int, message: str, retry_after: int | None) -> ErrorResponse:
    """Jira-like error body; Retry-After where given."""
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
    return json_response(status, {"errorMessages": [message], "errors": {}}, headers)


def reject(rule: str, decision: Decision | None) -> ErrorResponse:
    """The vendor's 429."""
    retry_after = decision.retry_after_seconds if decision else 1
    return format_error(429, f"Rate limit exceeded ({rule})", retry_after)


def rate_headers(decisions: Any) -> dict[str, str]:
    """X-RateLimit-* on admitted responses."""
    if not decisions:
        return {}
    _, decision = decisions[-1]
    return {"X-RateLimit-Limit": str(decision.limit), "X-RateLimit-Remaining": str(decision.remaining)}


def key_of(request: RequestInfo) -> tuple[str, str, str]:
    """(credential, endpoint family, method)."""
    return (bearer_token(request) or "anonymous", endpoint_family(request.path), request.method)


def sign(subscription: Subscription, body: bytes) -> dict[str, str]:
    """X-Hub-Signature when the subscription has a secret."""
    return {"X-Hub-Signature": jira_hub_signature(subscription.secret, body)} if subscription.secret else {}


def delivery_headers(subscription: Subscription, delivery_id: str, attempt: int) -> dict[str, str]:
    """Jira-style identifier and retry count."""
    headers = {"X-Atlassian-Webhook-Identifier": delivery_id}
    if attempt > 1:
        headers["X-Atlassian-Webhook-Retry"] = str(attempt - 1)
    return headers


PROFILE = WebhookProfile(
    vendor="example",
    sign=sign,
    retry_delays=(60.0, 120.0, 240.0),
    remove_on=frozenset({410}),
    attempt_timeout=5.0,
    headers=delivery_headers,
)


def render(item: Item) -> dict[str, object]:
    """The example vendor's item shape."""
    return {
        "id": item.external_id,
        "key": item.key,
        "title": item.title,
        "status": item.status,
        "category": item.status_category.value,
        "updated": item.updated_at,
    }


class TransitionBody(BaseModel):
    """POST /rest/api/items/{id}/transitions."""

    status: str


class WebhookBody(BaseModel):
    """POST /rest/webhooks."""

    url: str
    secret: str | None = None


def build_app(config: EmulatorConfig) -> FastAPI:
    """The example vendor app over the Jira-generated items."""
    runtime = EmulatorRuntime(config, Vendor.JIRA, webhook_profile=PROFILE, subscription_ids=lambda n: f"wh-{n}")
    policy = RuleBasedPolicy(
        rules=[LimitRule("burst", FixedWindowLimiter(RATE_LIMIT, RATE_WINDOW), key_of)],
        reject=reject,
        headers=rate_headers,
    )
    app = create_emulator_app(runtime, title="Example vendor", error_formatter=format_error, rate_limit_policy=policy)

    def on_change(change: ChangeEvent) -> None:
        body = json.dumps({"webhookEvent": f"item_{change.kind.value}", "item": render(change.after)}).encode()
        assert runtime.webhooks is not None
        runtime.webhooks.broadcast(lambda _: body)

    runtime.bus.subscribe(on_change)

    @app.get("/rest/api/items")
    def list_items(
        team: int = 0,
        start_at: Annotated[int, Query(alias="startAt", ge=0)] = 0,
        max_results: Annotated[int, Query(alias="maxResults", ge=1, le=100)] = 50,
    ) -> dict[str, object]:
        total = runtime.store.count(team)
        page = runtime.store.page(team, start_at, max_results)
        return {
            "startAt": start_at,
            "maxResults": max_results,
            "total": total,
            "isLast": start_at + len(page) >= total,
            "values": [render(i) for i in page],
        }

    @app.get("/rest/api/items/{item_id}")
    def get_item(item_id: str) -> dict[str, object]:
        index = runtime.store.find(item_id)
        item = runtime.store.get(index) if index is not None else None
        if item is None:
            raise HTTPException(404, "no such item")
        return render(item)

    @app.post("/rest/api/items/{item_id}/transitions")
    def transition(item_id: str, body: TransitionBody) -> dict[str, object]:
        index = runtime.store.find(item_id)
        if index is None:
            raise HTTPException(404, "no such item")
        item = runtime.store.apply(index, EventKind.STATUS, body.status, runtime.org.team(Vendor.JIRA, 0).members[0])
        return render(item)

    @app.post("/rest/webhooks", status_code=201)
    def create_webhook(body: WebhookBody) -> dict[str, object]:
        subscription = runtime.subscriptions.add(
            Subscription(id=runtime.subscriptions.new_id(), target=body.url, secret=body.secret)
        )
        return {"id": subscription.id}

    @app.get("/rest/debug/nodelay")
    def nodelay(request: Request) -> dict[str, object]:
        transport = request.scope["extensions"][TRANSPORT_EXTENSION]
        sock = transport.get_extra_info("socket")
        return {"nodelay": sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)}

    return app


PLUGIN = VendorPlugin(
    name="example",
    build_app=build_app,
    default_port=8199,
    credentials={"token": TOKEN},
    webhook_secret="webhook_secret",
)
