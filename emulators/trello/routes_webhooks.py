"""`/1/webhooks` and `/1/tokens/{token}/webhooks`: create (after a HEAD check of the callback), list, edit, delete."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.params import Depends

from emulators.trello.context import TrelloContext
from emulators.trello.errors import TrelloError
from emulators.trello.params import Params, ParamsDep
from emulators.trello.webhooks import new_webhook_id, webhook_document
from emulators.webhooks import Subscription, head_check

__all__ = ["webhook_router"]


def webhook_router(ctx: TrelloContext, auth: Depends, token: str) -> APIRouter:
    """Webhook routes; a webhook belongs to the token that created it."""
    router = APIRouter(tags=["webhooks"], dependencies=[auth])
    registry = ctx.runtime.subscriptions

    def watched_model(model_id: str) -> bool:
        catalog = ctx.catalog
        if model_id in (catalog.workspace_id, *catalog.board_ids):
            return True
        return ctx.store.find(model_id) is not None

    async def check_callback(url: str) -> None:
        if not url.startswith(("http://", "https://")):
            raise TrelloError(400, "invalid value for callbackURL")
        if not await head_check(url):
            raise TrelloError(400, f"URL ({url}) did not return 200 status code")

    async def create(params: Params, owner: str) -> dict[str, object]:
        url, model = params.text("callbackURL") or "", params.text("idModel") or ""
        if not url:
            raise TrelloError(400, "invalid value for callbackURL")
        if not watched_model(model):
            raise TrelloError(400, "invalid value for idModel")
        if any(s.target == url and s.resource == model for s in registry.all(owner)):
            raise TrelloError(400, "A webhook with that callback, model, and token already exists")
        await check_callback(url)
        subscription = Subscription(
            id=new_webhook_id(ctx.runtime),
            target=url,
            owner=owner,
            resource=model,
            active=params.flag("active", True),
            created_at=ctx.runtime.clock.timestamp(),
            data={"description": params.text("description") or ""},
        )
        return webhook_document(registry.add(subscription))

    def owned(webhook_id: str, owner: str | None = None) -> Subscription:
        found = registry.get(webhook_id)
        if found is None or (owner is not None and found.owner != owner):
            raise TrelloError(404, "The requested resource was not found.")
        return found

    def check_token(path_token: str) -> None:
        if path_token != token:
            raise TrelloError(401, "invalid token")

    @router.post("/1/webhooks")
    async def post_webhook(params: ParamsDep) -> dict[str, object]:
        return await create(params, token)

    @router.post("/1/tokens/{token}/webhooks")
    async def post_token_webhook(token: str, params: ParamsDep) -> dict[str, object]:
        check_token(token)
        return await create(params, token)

    @router.get("/1/tokens/{token}/webhooks")
    def list_token_webhooks(token: str) -> list[dict[str, object]]:
        check_token(token)
        return [webhook_document(s) for s in registry.all(token)]

    @router.get("/1/tokens/{token}/webhooks/{webhook_id}")
    def get_token_webhook(token: str, webhook_id: str) -> dict[str, object]:
        check_token(token)
        return webhook_document(owned(webhook_id, token))

    @router.delete("/1/tokens/{token}/webhooks/{webhook_id}")
    def delete_token_webhook(token: str, webhook_id: str) -> dict[str, object]:
        check_token(token)
        registry.remove(owned(webhook_id, token).id)
        return {"_value": None}

    @router.get("/1/webhooks/{webhook_id}")
    def get_webhook(webhook_id: str) -> dict[str, object]:
        return webhook_document(owned(webhook_id))

    @router.get("/1/webhooks/{webhook_id}/{field}")
    def get_webhook_field(webhook_id: str, field: str) -> dict[str, object]:
        document = webhook_document(owned(webhook_id))
        if field not in document:
            raise TrelloError(404, "The requested resource was not found.")
        return {"_value": document[field]}

    @router.put("/1/webhooks/{webhook_id}")
    async def put_webhook(webhook_id: str, params: ParamsDep) -> dict[str, object]:
        subscription = owned(webhook_id)
        url = params.text("callbackURL")
        if url is not None and url != subscription.target:
            await check_callback(url)
            subscription.target = url
        model = params.text("idModel")
        if model is not None:
            if not watched_model(model):
                raise TrelloError(400, "invalid value for idModel")
            subscription.resource = model
        if params.has("description"):
            subscription.data["description"] = params.text("description") or ""
        if params.has("active"):
            subscription.active = params.flag("active")
        return webhook_document(subscription)

    @router.delete("/1/webhooks/{webhook_id}")
    def delete_webhook(webhook_id: str) -> dict[str, object]:
        registry.remove(owned(webhook_id).id)
        return {"_value": None}

    return router
