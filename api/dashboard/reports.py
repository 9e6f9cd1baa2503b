"""The report archive: stored nightly reports, newest first, each readable in the browser."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response

from api.auth.scope import WHOLE_ORGANISATION
from api.dashboard.filters import query_string
from api.dashboard.identity import ViewerDep
from api.dashboard.templating import render_page
from api.deps import DatabaseDep
from api.routes.reports import ReportPage, get_report, list_reports
from api.views.params import IdPath

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50


@router.get("/reports", response_class=HTMLResponse)
def report_archive(
    request: Request,
    viewer: ViewerDep,
    database: DatabaseDep,
    cursor: Annotated[str | None, Query(max_length=1_000, pattern=r"^[A-Za-z0-9_-]+$")] = None,
) -> HTMLResponse:
    """Stored reports with links to their HTML, Markdown and JSON."""
    errors: list[str] = []
    try:
        page = list_reports(
            request, database, viewer.identity, WHOLE_ORGANISATION, limit=PAGE_SIZE, cursor=cursor, format="json"
        )
    except HTTPException:
        errors.append("The page link has expired: showing the newest reports.")
        page = list_reports(request, database, viewer.identity, WHOLE_ORGANISATION, limit=PAGE_SIZE, format="json")
    assert isinstance(page, ReportPage)  # format="json" never streams CSV
    return render_page(
        request,
        "reports.html",
        title="Reports",
        viewer=viewer,
        reports=page.items,
        errors=errors,
        next_link=query_string({}, cursor=page.next_cursor) if page.next_cursor else None,
        first_link="?" if cursor else None,
    )


@router.get("/reports/{report_id}")
def report_content(
    request: Request,
    report_id: IdPath,
    viewer: ViewerDep,
    database: DatabaseDep,
    format: Annotated[Literal["html", "md", "json"], Query()] = "html",
) -> Response:
    """One stored report as the API serves it (HTML under a no-script content policy)."""
    try:
        return get_report(report_id, database, viewer.identity, WHOLE_ORGANISATION, format=format)
    except HTTPException:
        return render_page(
            request, "not_found.html", title="Not found", viewer=viewer, what=f"report {report_id}", status_code=404
        )
