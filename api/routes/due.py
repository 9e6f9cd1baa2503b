"""`/api/v1/due`: what is overdue, and what falls due in the next N days."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse

from api.auth.deps import ViewerDep
from api.auth.scope import ScopeDep
from api.csv import CSV_RESPONSE, csv_response, wants_csv
from api.deps import DatabaseDep
from api.routes.common import VIEWER_RESPONSES, NowDep, PolicyDep
from api.views.due import DUE_SORT, DueBucket, DueEntry, DuePage, due_conditions, read_due_page, today_for
from api.views.items import ItemFilters, item_conditions
from api.views.keyset import Cursor, decode_cursor, encode_cursor
from api.views.params import FormatParam, LimitParam, text_query
from core.policy import Policy
from models.db import Database
from models.enums import Vendor

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/due", tags=["due"])

DUE_CSV_COLUMNS = (
    "bucket",
    "days_until_due",
    *(f for f in DueEntry.model_fields if f not in ("bucket", "days_until_due")),
)


def _batches(
    database: Database,
    filters: ItemFilters,
    today: date,
    days: int,
    bucket: DueBucket,
    policy: Policy | None,
    cursor: Cursor | None,
) -> Iterator[list[dict[str, Any]]]:
    while True:
        with database.read_session() as session:
            where = item_conditions(session, filters, policy) + due_conditions(today, days, bucket)
            entries, cursor = read_due_page(session, where, today, limit=1_000, cursor=cursor, policy=policy)
        yield [e.model_dump() for e in entries]
        if cursor is None:
            return


@router.get(
    "", response_model=DuePage, summary="Overdue and upcoming items", responses={**VIEWER_RESPONSES, **CSV_RESPONSE}
)
def list_due(
    request: Request,
    database: DatabaseDep,
    policy: PolicyDep,
    now: NowDep,
    _key: ViewerDep,
    scope: ScopeDep,
    days: Annotated[int, Query(ge=0, le=366, description="How many days ahead count as upcoming.")] = 14,
    bucket: Annotated[DueBucket, Query(description="overdue, upcoming, or all (default).")] = "all",
    team: Annotated[
        str | None, text_query("Only this team's items (today is in its time zone).", example="payments")
    ] = None,
    assignee: Annotated[
        str | None, Query(pattern=r"^(none|[1-9][0-9]{0,17})$", description="A person id, or `none`.")
    ] = None,
    source: Annotated[Vendor | None, Query(description="Only items from this tool.")] = None,
    connection: Annotated[str | None, text_query("Only items of this connection.", example="jira")] = None,
    limit: LimitParam = 50,
    cursor: Annotated[
        str | None,
        Query(max_length=1000, pattern=r"^[A-Za-z0-9_-]+$", description="`next_cursor` of the previous page."),
    ] = None,
    format: FormatParam = None,
) -> DuePage | StreamingResponse:
    """Open items with a due date before today (overdue) or within `days` (upcoming), earliest first."""
    today = today_for(now, policy, team)
    filters = ItemFilters(
        team=team,
        assignee=assignee,
        source=str(source) if source else None,
        connection=connection,
        visible_teams=scope.teams,
    )
    after = decode_cursor(cursor, DUE_SORT) if cursor is not None else None
    if wants_csv(request, format):
        return csv_response(
            DUE_CSV_COLUMNS, _batches(database, filters, today, days, bucket, policy, after), filename="due"
        )
    with database.read_session() as session:
        where = item_conditions(session, filters, policy) + due_conditions(today, days, bucket)
        entries, next_cursor = read_due_page(session, where, today, limit=limit, cursor=after, policy=policy)
    return DuePage(today=today, items=entries, next_cursor=encode_cursor(next_cursor) if next_cursor else None)
