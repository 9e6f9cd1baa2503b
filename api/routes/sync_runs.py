"""`/api/v1/sync/runs`: what the syncs did, newest first."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field
from sqlalchemy import false, select

from api.auth.deps import ViewerDep
from api.auth.scope import ScopeDep
from api.csv import CSV_RESPONSE, csv_response, wants_csv
from api.deps import DatabaseDep
from api.routes.common import VIEWER_RESPONSES
from api.views.params import MAX_ID, FormatParam, text_query
from models.tables import CONNECTIONS, RUNS

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/sync", tags=["sync"])


class SyncRunPublic(BaseModel):
    """One sync run of one connection."""

    id: int
    connection: str
    kind: str
    status: str
    started_at: datetime
    finished_at: datetime | None
    items_seen: int
    items_changed: int
    items_deleted: int
    pages: int
    requests: int
    error_message: str | None
    webhook_gaps: int | None = Field(
        default=None, description="Changes the run found that no webhook delivered (null: not covered by webhooks)."
    )


class SyncRunPage(BaseModel):
    """A page of runs; pass ``next_cursor`` as ``cursor`` for the next page."""

    items: list[SyncRunPublic]
    next_cursor: int | None


SYNC_RUN_CSV_COLUMNS = tuple(SyncRunPublic.model_fields)


@router.get(
    "/runs",
    response_model=SyncRunPage,
    summary="Recent sync runs",
    responses={**VIEWER_RESPONSES, **CSV_RESPONSE},
)
def list_sync_runs(
    request: Request,
    database: DatabaseDep,
    _key: ViewerDep,
    scope: ScopeDep,
    connection: Annotated[str | None, text_query("Only this connection.", max_length=100, example="jira")] = None,
    limit: Annotated[int, Query(ge=1, le=500, description="Page size (at most 500).")] = 50,
    cursor: Annotated[int | None, Query(ge=1, le=MAX_ID, description="`next_cursor` of the previous page.")] = None,
    format: FormatParam = None,
) -> SyncRunPage | StreamingResponse:
    """Sync runs, newest first, with their counts and the last error (CSV: every run, read 1,000 at a time)."""

    def fetch(before: int | None, size: int) -> tuple[list[SyncRunPublic], int | None]:
        query: Any = (
            select(RUNS, CONNECTIONS.c.name.label("connection"))
            .join(CONNECTIONS, CONNECTIONS.c.id == RUNS.c.connection_id)
            .order_by(RUNS.c.id.desc())
            .limit(size + 1)
        )
        if connection is not None:
            query = query.where(CONNECTIONS.c.name == connection)
        if before is not None:
            query = query.where(RUNS.c.id < before)
        if not scope.whole:
            query = query.where(false())  # runs are about whole connections, not a team's data
        with database.read_session() as session:
            rows = session.execute(query).mappings().all()
        runs = [SyncRunPublic.model_validate(dict(row)) for row in rows[:size]]
        return runs, runs[-1].id if len(rows) > size else None

    if wants_csv(request, format):

        def batches() -> Iterator[list[dict[str, Any]]]:
            before = cursor
            while True:
                runs, before = fetch(before, 1_000)
                yield [run.model_dump() for run in runs]
                if before is None:
                    return

        return csv_response(SYNC_RUN_CSV_COLUMNS, batches(), filename="sync-runs")
    items, next_cursor = fetch(cursor, limit)
    return SyncRunPage(items=items, next_cursor=next_cursor)
