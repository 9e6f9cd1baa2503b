"""`/api/v1/epics`: how far along each epic is, counting its children in every tool."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse

from api.auth.deps import ViewerDep
from api.auth.scope import ScopeDep
from api.csv import CSV_RESPONSE, csv_response, wants_csv
from api.deps import DatabaseDep
from api.routes.common import VIEWER_RESPONSES, PolicyDep
from api.views.epics import EPIC_SORT, EpicPage, EpicRollup, read_epic_page
from api.views.items import OPEN_CATEGORIES, ItemFilters, item_conditions
from api.views.keyset import Cursor, decode_cursor, encode_cursor, iter_batches
from api.views.params import FormatParam, LimitParam, text_query
from models.enums import ItemType, StatusCategory, Vendor

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/epics", tags=["epics"])

EPIC_CSV_COLUMNS = tuple(f for f in EpicRollup.model_fields if f != "children_by_category")


@router.get(
    "", response_model=EpicPage, summary="Epics and their progress", responses={**VIEWER_RESPONSES, **CSV_RESPONSE}
)
def list_epics(
    request: Request,
    database: DatabaseDep,
    policy: PolicyDep,
    _key: ViewerDep,
    scope: ScopeDep,
    state: Annotated[Literal["open", "done", "all"], Query(description="open (default), done or all.")] = "open",
    source: Annotated[Vendor | None, Query(description="Only epics in this tool.")] = None,
    connection: Annotated[str | None, text_query("Only epics of this connection.", example="jira")] = None,
    team: Annotated[str | None, text_query("Only epics in this team's containers.", example="payments")] = None,
    q: Annotated[str | None, text_query("An exact key, or words in the title.", example="checkout")] = None,
    limit: LimitParam = 50,
    cursor: Annotated[
        str | None,
        Query(max_length=1000, pattern=r"^[A-Za-z0-9_-]+$", description="`next_cursor` of the previous page."),
    ] = None,
    format: FormatParam = None,
) -> EpicPage | StreamingResponse:
    """Epics with their children's progress (count and points), wherever the children live."""
    categories = {
        "open": OPEN_CATEGORIES,
        "done": (str(StatusCategory.DONE),),
        "all": (),
    }[state]
    filters = ItemFilters(
        type=str(ItemType.EPIC),
        status_categories=categories,
        source=str(source) if source else None,
        connection=connection,
        team=team,
        q=q,
        visible_teams=scope.teams,
    )
    after = decode_cursor(cursor, EPIC_SORT) if cursor is not None else None

    def fetch(page_cursor: Cursor | None, size: int = 500) -> tuple[list[EpicRollup], Cursor | None]:
        with database.read_session() as session:
            where = item_conditions(session, filters, policy)
            return read_epic_page(session, where, limit=size, cursor=page_cursor, policy=policy)

    if wants_csv(request, format):
        return csv_response(EPIC_CSV_COLUMNS, iter_batches(fetch, after), filename="epics")
    epics, next_cursor = fetch(after, limit)
    return EpicPage(items=epics, next_cursor=encode_cursor(next_cursor) if next_cursor else None)
