"""`/webhooks`: create (X-Hook-Secret handshake while the call is in flight), list, read, update, delete."""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import APIRouter, Request

from emulators.asana.context import AsanaContext
from emulators.asana.errors import AsanaError
from emulators.asana.paging import slice_fetch
from emulators.asana.routes.common import DataBody, api_router, required_str
from emulators.asana.webhooks import webhook_record
from emulators.webhooks import Subscription, asana_handshake

__all__ = ["build_webhook_router"]


def build_webhook_router(context: AsanaContext) -> APIRouter:
    """Webhook management over the engine's subscription registry."""
    router = api_router(context, "webhooks")
    catalog = context.catalog
    registry = context.runtime.subscriptions

    def named_resource(gid: str) -> tuple[dict[str, Any], bool]:
        """(resource, is_workspace) of a webhook's resource; 400 when unknown."""
        if catalog.is_workspace(gid):
            return {"gid": gid, "resource_type": "workspace", "name": catalog.workspace["name"]}, True
        team = catalog.project_team(gid)
        if team is not None:
            return {"gid": gid, "resource_type": "project", "name": catalog.teams[team].name}, False
        index = context.runtime.store.find(gid)
        if index is not None:
            return {k: v for k, v in context.tasks.reference(index).items() if k != "resource_subtype"}, False
        raise AsanaError(400, f"resource: Unknown object: {gid}")

    def filters_of(data: dict[str, Any]) -> list[dict[str, Any]]:
        filters = data.get("filters") or []
        if not isinstance(filters, list) or not all(isinstance(f, dict) for f in filters):
            raise AsanaError(400, "filters: Not a list of objects")
        return [dict(f) for f in filters]

    def subscription(gid: str) -> Subscription:
        found = registry.get(gid)
        if found is None:
            raise AsanaError(404, f"webhook: Unknown object: {gid}")
        return found

    @router.post("/webhooks", status_code=201)
    async def create_webhook(request: Request, body: DataBody) -> dict[str, object]:
        resource_gid = required_str(body.data, "resource")
        target = required_str(body.data, "target")
        if not target.startswith(("http://", "https://")):
            raise AsanaError(400, f"target: Not a valid URL: {target}")
        resource, workspace_level = named_resource(resource_gid)
        filters = filters_of(body.data)
        if workspace_level and not filters:
            raise AsanaError(400, "filters: Webhooks on a workspace must have filters")
        secret = secrets.token_hex(32)
        if not await asana_handshake(target, secret):
            raise AsanaError(400, "The remote server did not respond with the handshake secret.")
        created = registry.add(
            Subscription(
                id=registry.new_id(),
                target=target,
                secret=secret,
                owner=catalog.user_gid(catalog.me),
                resource=resource_gid,
                created_at=context.runtime.clock.timestamp(),
                data={"resource": resource, "filters": filters, "is_workspace_webhook": workspace_level},
            )
        )
        return context.one(request, webhook_record(created))

    @router.get("/webhooks")
    def list_webhooks(request: Request, workspace: str | None = None, resource: str | None = None) -> dict[str, object]:
        context.require_workspace(workspace)
        chosen = [webhook_record(s) for s in registry.all() if resource is None or s.resource == resource]
        return context.page(request, slice_fetch(chosen))

    @router.get("/webhooks/{webhook_gid}")
    def get_webhook(request: Request, webhook_gid: str) -> dict[str, object]:
        return context.one(request, webhook_record(subscription(webhook_gid)))

    @router.put("/webhooks/{webhook_gid}")
    def update_webhook(request: Request, webhook_gid: str, body: DataBody) -> dict[str, object]:
        found = subscription(webhook_gid)
        if "filters" in body.data:
            found.data["filters"] = filters_of(body.data)
        return context.one(request, webhook_record(found))

    @router.delete("/webhooks/{webhook_gid}")
    def delete_webhook(webhook_gid: str) -> dict[str, object]:
        registry.remove(subscription(webhook_gid).id)
        return {"data": {}}

    return router
