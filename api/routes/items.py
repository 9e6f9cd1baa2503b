"""`/api/v1/items`: which items match these filters, and everything about one item."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query, Request, status
from fastapi.responses import StreamingResponse
from sqlalchemy import select

from api.auth.deps import ViewerDep
from api.auth.scope import ScopeDep
from api.csv import CSV_RESPONSE, csv_response, wants_csv
from api.deps import DatabaseDep
from api.routes.common import NOT_FOUND, VIEWER_RESPONSES, PolicyDep
from api.views.items import (
    ITEM_CSV_COLUMNS,
    ITEM_SORTS,
    ItemDetail,
    ItemFilters,
    ItemPage,
    count_items,
    item_conditions,
    item_partitions,
    iter_item_batches,
    load_item_detail,
    read_item_page,
)
from api.views.keyset import decode_cursor, encode_cursor
from api.views.params import (
    MAX_ID,
    FormatParam,
    IdPath,
    IncludeDeletedParam,
    LimitParam,
    UtcDatetime,
    text_query,
)
from models.enums import ItemType, StatusCategory, Vendor
from models.tables import ITEMS

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/items", tags=["items"])

ItemSort = Literal["updated", "-updated", "created", "due", "key", "status"]
RULE_PATTERN = r"^[A-Z]{1,4}[0-9]{1,3}$"


@router.get(
    "",
    response_model=ItemPage,
    summary="Items across every tool",
    responses={**VIEWER_RESPONSES, **CSV_RESPONSE},
)
def list_items(
    request: Request,
    database: DatabaseDep,
    policy: PolicyDep,
    _key: ViewerDep,
    scope: ScopeDep,
    source: Annotated[Vendor | None, Query(description="Only items from this tool.")] = None,
    connection: Annotated[str | None, text_query("Only items of this connection (by name).", example="jira")] = None,
    team: Annotated[str | None, text_query("Only items in containers this team owns.", example="payments")] = None,
    container: Annotated[
        int | None, Query(ge=1, le=MAX_ID, description="Only items in this container (or list/section).")
    ] = None,
    status_category: Annotated[
        list[StatusCategory] | None, Query(description="Only items in these status categories (repeatable).")
    ] = None,
    assignee: Annotated[
        str | None,
        Query(pattern=r"^(none|[1-9][0-9]{0,17})$", description="A person id, or `none` for unassigned items."),
    ] = None,
    label: Annotated[str | None, text_query("Only items with this label or tag.", example="customer")] = None,
    type: Annotated[ItemType | None, Query(description="Only items of this type.")] = None,
    sprint: Annotated[
        int | None, Query(ge=1, le=MAX_ID, description="Only items currently in this sprint (id).")
    ] = None,
    epic: Annotated[
        int | None, Query(ge=1, le=MAX_ID, description="Only children of this epic (item id), in any tool.")
    ] = None,
    has_finding: Annotated[
        bool | None, Query(description="Only items with (true) or without (false) open findings.")
    ] = None,
    rule: Annotated[
        str | None,
        Query(pattern=RULE_PATTERN, description="Only items with an open finding of this rule.", examples=["R02"]),
    ] = None,
    updated_since: Annotated[
        UtcDatetime | None, Query(description="Only items updated in their tool at or after this instant.")
    ] = None,
    due_before: Annotated[date | None, Query(description="Only items due before this date.")] = None,
    q: Annotated[str | None, text_query("Free text: an exact key, or words in the title.", example="checkout")] = None,
    include_deleted: IncludeDeletedParam = False,
    sort: Annotated[ItemSort, Query(description="Sort order; NULL values come last.")] = "-updated",
    limit: LimitParam = 50,
    cursor: Annotated[
        str | None,
        Query(max_length=1000, pattern=r"^[A-Za-z0-9_-]+$", description="`next_cursor` of the previous page."),
    ] = None,
    include_total: Annotated[bool, Query(description="Also count every matching item (slower on big stores).")] = False,
    format: FormatParam = None,
) -> ItemPage | StreamingResponse:
    """Items from Jira, Trello and Asana in one list: filter, sort, page with an opaque cursor, or export as CSV.

    Tombstoned items (gone from their tool) are left out unless `include_deleted=true`.
    """
    filters = ItemFilters(
        source=str(source) if source else None,
        connection=connection,
        team=team,
        container=container,
        status_categories=tuple(str(c) for c in status_category or ()),
        assignee=assignee,
        label=label,
        type=str(type) if type else None,
        sprint=sprint,
        epic=epic,
        has_finding=has_finding,
        rule=rule,
        updated_since=updated_since,
        due_before=due_before,
        q=q,
        include_deleted=include_deleted,
        visible_teams=scope.teams,
    )
    sort_key = ITEM_SORTS[sort]
    after = decode_cursor(cursor, sort_key) if cursor is not None else None
    if wants_csv(request, format):
        batches = iter_item_batches(database, filters, sort_key, policy=policy, cursor=after)
        return csv_response(ITEM_CSV_COLUMNS, batches, filename="items")
    with database.read_session() as session:
        where = item_conditions(session, filters, policy)
        partitions = item_partitions(session, filters, policy)
        items, next_cursor = read_item_page(
            session, where, sort_key, limit=limit, cursor=after, policy=policy, partitions=partitions
        )
        total = count_items(session, where) if include_total else None
    return ItemPage(
        items=items, next_cursor=encode_cursor(next_cursor) if next_cursor is not None else None, total=total
    )


@router.get(
    "/{item_id}",
    response_model=ItemDetail,
    summary="One item with its history, findings, links and sprints",
    responses={**VIEWER_RESPONSES, **NOT_FOUND},
)
def get_item(
    item_id: IdPath,
    database: DatabaseDep,
    policy: PolicyDep,
    _key: ViewerDep,
    scope: ScopeDep,
    include_deleted: IncludeDeletedParam = False,
) -> ItemDetail:
    """The item, its status history (transitions), findings (open first), links both ways, labels and sprints."""
    with database.read_session() as session:
        visible = scope.item_condition(session, policy)
        hidden = (
            visible is not None
            and session.execute(select(ITEMS.c.id).where(ITEMS.c.id == item_id, visible)).first() is None
        )
        detail = None if hidden else load_item_detail(session, item_id, include_deleted=include_deleted, policy=policy)
    if detail is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"No item {item_id}.")
    return detail
