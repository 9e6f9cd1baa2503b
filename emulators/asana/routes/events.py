"""`GET /events?resource=&sync=`: 412 with a fresh token first, then up to 100 events per call."""

from __future__ import annotations

from fastapi import APIRouter

from emulators.asana.context import AsanaContext
from emulators.asana.errors import AsanaError
from emulators.asana.event_stream import SyncTokenInvalid
from emulators.asana.routes.common import api_router

__all__ = ["SYNC_INVALID", "build_event_router"]

SYNC_INVALID = (
    "Sync token invalid or too old. If you are attempting to keep resources in sync, you must fetch the full "
    "dataset for this query now and use the new sync token for the next sync."
)


def build_event_router(context: AsanaContext) -> APIRouter:
    """The Events API over projects and tasks (`limit` is tolerated and ignored, as the SDK sends it)."""
    router = api_router(context, "events")

    def check_resource(resource: str | None) -> str:
        if not resource:
            raise AsanaError(400, "resource: Missing input")
        if context.catalog.project_team(resource) is None and context.runtime.store.find(resource) is None:
            raise AsanaError(400, f"resource: Unknown object: {resource}")
        return resource

    @router.get("/events")
    def events(resource: str | None = None, sync: str | None = None) -> dict[str, object]:
        subject = check_resource(resource)
        try:
            batch = context.stream.read(subject, sync)
        except SyncTokenInvalid as invalid:
            raise AsanaError(412, SYNC_INVALID, extra={"sync": invalid.fresh}) from invalid
        return {"data": batch.events, "sync": batch.sync, "has_more": batch.has_more}

    return router
