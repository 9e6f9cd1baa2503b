"""`/api/v1/sprints`: how the sprints are going: committed vs added after the start, progress, carry-over."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from sqlalchemy import ColumnElement, false, select

from api.auth.deps import ViewerDep
from api.auth.scope import ScopeDep
from api.csv import CSV_RESPONSE, csv_response, wants_csv
from api.deps import DatabaseDep
from api.routes.common import VIEWER_RESPONSES, PolicyDep
from api.views.keyset import Cursor, decode_cursor, encode_cursor, iter_batches
from api.views.params import FormatParam, LimitParam, text_query
from api.views.sprints import SPRINT_SORT, SprintPage, SprintPublic, grace_of, read_sprint_page
from api.views.teams import team_container_ids
from models.tables import CONNECTIONS, SPRINTS

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/sprints", tags=["sprints"])

SPRINT_CSV_COLUMNS = tuple(SprintPublic.model_fields)


@router.get(
    "", response_model=SprintPage, summary="Sprints and their scope", responses={**VIEWER_RESPONSES, **CSV_RESPONSE}
)
def list_sprints(
    request: Request,
    database: DatabaseDep,
    policy: PolicyDep,
    _key: ViewerDep,
    scope: ScopeDep,
    state: Annotated[
        Literal["active", "closed", "future", "all"], Query(description="Sprint state (active by default).")
    ] = "active",
    connection: Annotated[str | None, text_query("Only sprints of this connection.", example="jira")] = None,
    team: Annotated[str | None, text_query("Only sprints on boards this team owns.", example="payments")] = None,
    limit: LimitParam = 50,
    cursor: Annotated[
        str | None,
        Query(max_length=1000, pattern=r"^[A-Za-z0-9_-]+$", description="`next_cursor` of the previous page."),
    ] = None,
    format: FormatParam = None,
) -> SprintPage | StreamingResponse:
    """Each sprint's committed scope (joined before start + 24 h) vs scope added later, progress and carry-over."""
    grace = grace_of(policy)
    after = decode_cursor(cursor, SPRINT_SORT) if cursor is not None else None

    def fetch(page_cursor: Cursor | None, size: int = 500) -> tuple[list[SprintPublic], Cursor | None]:
        with database.read_session() as session:
            where: list[ColumnElement[bool]] = []
            if state != "all":
                where.append(SPRINTS.c.state == state)
            if connection is not None:
                named = select(CONNECTIONS.c.id).where(CONNECTIONS.c.name == connection)
                where.append(SPRINTS.c.connection_id.in_(named))
            if team is not None:
                boards = team_container_ids(session, policy, team)
                where.append(SPRINTS.c.board_container_id.in_(sorted(boards)) if boards else false())
            if scope.teams is not None:
                visible: set[int] = set()
                for name in scope.teams:
                    visible |= team_container_ids(session, policy, name)
                where.append(SPRINTS.c.board_container_id.in_(sorted(visible)) if visible else false())
            return read_sprint_page(session, where, limit=size, cursor=page_cursor, grace=grace)

    if wants_csv(request, format):
        return csv_response(SPRINT_CSV_COLUMNS, iter_batches(fetch, after), filename="sprints")
    sprints, next_cursor = fetch(after, limit)
    return SprintPage(items=sprints, next_cursor=encode_cursor(next_cursor) if next_cursor else None)
