"""Workload per person: who carries how much open work, and one person's plate across tools."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse

from api.dashboard.filters import FormValues, query_string
from api.dashboard.identity import ViewerDep
from api.dashboard.templating import render_page
from api.deps import DatabaseDep
from api.routes.common import PolicyDep
from api.views.keyset import decode_cursor, encode_cursor
from api.views.params import IdPath
from api.views.people import PEOPLE_SORT, load_workload, people_conditions, read_people_page

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 100


@router.get("/people", response_class=HTMLResponse)
def people(
    request: Request,
    viewer: ViewerDep,
    database: DatabaseDep,
    q: Annotated[str | None, Query(max_length=200)] = None,
    cursor: Annotated[str | None, Query(max_length=1_000)] = None,
) -> HTMLResponse:
    """People across tools with their open items, busiest first within the page."""
    form = FormValues()
    search = form.text("Search", q)
    after = None
    if cursor:
        try:
            after = decode_cursor(cursor, PEOPLE_SORT)
        except HTTPException:
            form.errors.append("The page link has expired: showing the first page.")
    with database.read_session() as session:
        found, following = read_people_page(session, people_conditions(search, False), limit=PAGE_SIZE, cursor=after)
    found.sort(key=lambda person: (-person.open_items, person.display_name.lower()))
    return render_page(
        request,
        "people.html",
        title="Workload",
        viewer=viewer,
        people=found,
        q=search or "",
        errors=form.errors,
        busiest=max((p.open_items for p in found), default=0),
        next_link=query_string({"q": search}, cursor=encode_cursor(following)) if following else None,
        first_link=query_string({"q": search}) if after is not None else None,
    )


@router.get("/people/{person_id}", response_class=HTMLResponse)
def person(
    request: Request, person_id: IdPath, viewer: ViewerDep, database: DatabaseDep, policy: PolicyDep
) -> HTMLResponse:
    """One person's open items in every tool, by status category and by tool."""
    with database.read_session() as session:
        workload = load_workload(session, person_id, limit=200, policy=policy)
    if workload is None:
        return render_page(
            request, "not_found.html", title="Not found", viewer=viewer, what=f"person {person_id}", status_code=404
        )
    return render_page(request, "person.html", title=workload.person.display_name, viewer=viewer, workload=workload)
