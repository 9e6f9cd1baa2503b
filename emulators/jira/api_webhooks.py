"""`/rest/webhooks/1.0/webhook`: create, list, read and delete admin webhooks."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict

from emulators.jira.api_search import read_body
from emulators.jira.context import JiraContext
from emulators.jira.errors import JiraApiError, not_found
from emulators.jira.webhooks import ISSUE_EVENTS, validate_filter
from emulators.webhooks import Subscription

__all__ = ["webhooks_router"]


class WebhookBody(BaseModel):
    """An admin webhook (the secret is write-only)."""

    model_config = ConfigDict(extra="forbid")

    name: str
    url: str
    events: list[str]
    filters: dict[str, Any] | None = None
    excludeBody: bool = False
    secret: str | None = None
    enabled: bool = True
    description: str | None = None


def webhooks_router(ctx: JiraContext) -> APIRouter:
    """Admin webhook routes."""
    router = APIRouter(prefix="/rest/webhooks/1.0", tags=["webhooks"])
    registry = ctx.runtime.subscriptions

    def webhook_json(request: Request, subscription: Subscription) -> dict[str, Any]:
        data = subscription.data
        person = ctx.site.api_person
        return {
            "self": f"{str(request.base_url).rstrip('/')}/rest/webhooks/1.0/webhook/{subscription.id}",
            "name": data.get("name"),
            "url": subscription.target,
            "events": data.get("events"),
            "filters": data.get("filters") or {},
            "excludeBody": bool(data.get("excludeBody")),
            "enabled": subscription.active,
            "lastUpdatedUser": ctx.site.account_id(person),
            "lastUpdatedDisplayName": ctx.site.display_name(person),
            "lastUpdated": int(subscription.created_at * 1000),
        }

    @router.post("/webhook", status_code=201)
    async def create(request: Request) -> dict[str, Any]:
        body = await read_body(request, WebhookBody)
        unknown = sorted(set(body.events) - ISSUE_EVENTS)
        if not body.events or unknown:
            raise JiraApiError(
                400,
                [
                    f"Unsupported webhook events: {', '.join(unknown) or 'none given'}. "
                    f"Supported: {', '.join(sorted(ISSUE_EVENTS))}."
                ],
            )
        if not body.url.startswith(("http://", "https://")):
            raise JiraApiError(400, [], {"url": "The URL must be an absolute http(s) URL."})
        filters = validate_filter(ctx, body.filters)
        subscription = registry.add(
            Subscription(
                id=registry.new_id(),
                target=body.url,
                secret=body.secret or None,
                active=body.enabled,
                created_at=ctx.runtime.clock.timestamp(),
                data={
                    "name": body.name,
                    "events": list(body.events),
                    "filters": filters,
                    "excludeBody": body.excludeBody,
                },
            )
        )
        return webhook_json(request, subscription)

    @router.get("/webhook")
    def list_webhooks(request: Request) -> list[dict[str, Any]]:
        return [webhook_json(request, s) for s in registry.all()]

    @router.get("/webhook/{webhook_id}")
    def get_webhook(request: Request, webhook_id: str) -> dict[str, Any]:
        subscription = registry.get(webhook_id)
        if subscription is None:
            raise not_found(f"Webhook {webhook_id} does not exist.")
        return webhook_json(request, subscription)

    @router.delete("/webhook/{webhook_id}", status_code=204)
    def delete_webhook(webhook_id: str) -> Response:
        if registry.remove(webhook_id) is None:
            raise not_found(f"Webhook {webhook_id} does not exist.")
        return Response(status_code=204)

    return router
