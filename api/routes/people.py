"""`/api/v1/people`: who works across the tools, and what is on one person's plate."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request, status
from fastapi.responses import StreamingResponse
from sqlalchemy import ColumnElement
from sqlmodel import Session

from api.auth.deps import ViewerDep
from api.auth.scope import KeyScope, ScopeDep
from api.csv import CSV_RESPONSE, csv_response, wants_csv
from api.deps import DatabaseDep
from api.routes.common import NOT_FOUND, VIEWER_RESPONSES, PolicyDep
from api.views.keyset import Cursor, decode_cursor, encode_cursor
from api.views.params import FormatParam, IdPath, LimitParam, text_query
from api.views.people import PEOPLE_SORT, PersonPage, PersonWorkload, load_workload, people_conditions, read_people_page
from api.views.tallies import keep_tallies_compact
from core.policy import Policy
from models.db import Database

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/people", tags=["people"])

PEOPLE_CSV_COLUMNS = ("id", "display_name", "email", "is_bot", "open_items")


def _visible(session: Session, policy: Policy | None, scope: KeyScope) -> ColumnElement[bool] | None:
    return scope.item_condition(session, policy)


def _all_people(
    database: Database,
    policy: Policy | None,
    scope: KeyScope,
    q: str | None,
    include_bots: bool,
    cursor: Cursor | None,
) -> Iterator[list[dict[str, Any]]]:
    while True:
        with database.read_session() as session:
            people, cursor = read_people_page(
                session,
                people_conditions(q, include_bots),
                limit=1_000,
                cursor=cursor,
                visible=_visible(session, policy, scope),
            )
        yield [p.model_dump() for p in people]
        if cursor is None:
            return


@router.get("", response_model=PersonPage, summary="People", responses={**VIEWER_RESPONSES, **CSV_RESPONSE})
def list_people(
    request: Request,
    database: DatabaseDep,
    policy: PolicyDep,
    _key: ViewerDep,
    scope: ScopeDep,
    q: Annotated[str | None, text_query("Words in the name or e-mail.", example="ada")] = None,
    include_bots: Annotated[bool, Query(description="Include bot and automation accounts.")] = False,
    limit: LimitParam = 50,
    cursor: Annotated[
        str | None,
        Query(max_length=1000, pattern=r"^[A-Za-z0-9_-]+$", description="`next_cursor` of the previous page."),
    ] = None,
    format: FormatParam = None,
) -> PersonPage | StreamingResponse:
    """People unified across tools (by e-mail and policy aliases), their accounts and their open items."""
    after = decode_cursor(cursor, PEOPLE_SORT) if cursor is not None else None
    if wants_csv(request, format):
        return csv_response(
            PEOPLE_CSV_COLUMNS, _all_people(database, policy, scope, q, include_bots, after), filename="people"
        )
    keep_tallies_compact(database)  # the open-item counts sum each listed person's tally rows
    with database.read_session() as session:
        people, next_cursor = read_people_page(
            session,
            people_conditions(q, include_bots),
            limit=limit,
            cursor=after,
            visible=_visible(session, policy, scope),
        )
    return PersonPage(items=people, next_cursor=encode_cursor(next_cursor) if next_cursor else None)


@router.get(
    "/{person_id}/workload",
    response_model=PersonWorkload,
    summary="One person's open workload across tools",
    responses={**VIEWER_RESPONSES, **NOT_FOUND},
)
def person_workload(
    person_id: IdPath,
    database: DatabaseDep,
    policy: PolicyDep,
    _key: ViewerDep,
    scope: ScopeDep,
    limit: Annotated[int, Query(ge=0, le=500, description="Open items listed (at most 500).")] = 100,
) -> PersonWorkload:
    """Open items assigned to the person in every tool, by status category and by tool, with story points."""
    with database.read_session() as session:
        workload = load_workload(session, person_id, limit=limit, policy=policy, visible_teams=scope.teams)
    if workload is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"No person {person_id}.")
    return workload
