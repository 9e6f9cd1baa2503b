"""`/api/v1/reports`: the stored nightly hygiene reports, as JSON, Markdown or HTML."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request, status
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response, StreamingResponse
from pydantic import BaseModel, Field
from sqlalchemy import select

from api.auth.deps import ViewerDep
from api.auth.scope import ScopeDep
from api.csv import CSV_RESPONSE, csv_response, wants_csv
from api.deps import DatabaseDep
from api.routes.common import NOT_FOUND, VIEWER_RESPONSES
from api.views.keyset import Cursor, SortKey, decode_cursor, encode_cursor, iter_batches, read_page
from api.views.params import FormatParam, IdPath, LimitParam, text_query
from models.tables import REPORT_DELIVERIES, REPORTS

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/reports", tags=["reports"])

REPORT_SORT = SortKey("-id", REPORTS.c.id, "int", descending=True, nullable=False)
REPORT_CSV_COLUMNS = ("id", "report_date", "team_scope", "generated_at", "content_hash")
# Stored HTML is Baton's own rendering; still, a browser showing it runs no script and loads nothing remote.
HTML_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


class ReportSummary(BaseModel):
    """A stored report, without its content."""

    id: int
    report_date: date = Field(examples=["2026-11-24"])
    team_scope: str = Field(description="A team, or `*` for the whole organisation.", examples=["*"])
    generated_at: datetime
    content_hash: str


class DeliveryStatus(BaseModel):
    """How a report's delivery to one channel went (the latest attempt series)."""

    channel: str = Field(examples=["slack"], description="slack, email or file.")
    status: str = Field(examples=["delivered"], description="delivered or failed.")
    attempts: int = Field(description="Attempts of the latest delivery, retries included.")
    last_error: str | None
    content_hash: str = Field(description="The report content this delivery carried.")
    updated_at: datetime
    delivered_at: datetime | None


class ReportPage(BaseModel):
    """A page of reports, newest first; pass ``next_cursor`` as ``cursor`` for the next one."""

    items: list[ReportSummary]
    next_cursor: str | None


@router.get("", response_model=ReportPage, summary="Stored reports", responses={**VIEWER_RESPONSES, **CSV_RESPONSE})
def list_reports(
    request: Request,
    database: DatabaseDep,
    _key: ViewerDep,
    scope: ScopeDep,
    team_scope: Annotated[str | None, text_query("Only this team (or `*`).", max_length=100, example="*")] = None,
    since: Annotated[date | None, Query(description="Only reports dated on or after this day.")] = None,
    limit: LimitParam = 50,
    cursor: Annotated[
        str | None,
        Query(max_length=1000, pattern=r"^[A-Za-z0-9_-]+$", description="`next_cursor` of the previous page."),
    ] = None,
    format: FormatParam = None,
) -> ReportPage | StreamingResponse:
    """Reports newest first, with their date, team scope and content hash."""
    query = select(
        REPORTS.c.id, REPORTS.c.report_date, REPORTS.c.team_scope, REPORTS.c.generated_at, REPORTS.c.content_hash
    )
    if team_scope is not None:
        query = query.where(REPORTS.c.team_scope == team_scope)
    if since is not None:
        query = query.where(REPORTS.c.report_date >= since)
    if scope.teams is not None:
        query = query.where(REPORTS.c.team_scope.in_(sorted(scope.teams)))
    after = decode_cursor(cursor, REPORT_SORT) if cursor is not None else None

    def fetch(page_cursor: Cursor | None, size: int = 1_000) -> tuple[list[ReportSummary], Cursor | None]:
        with database.read_session() as session:
            rows, next_page = read_page(session, query, REPORT_SORT, REPORTS.c.id, limit=size, cursor=page_cursor)
        return [ReportSummary.model_validate(dict(r._mapping)) for r in rows], next_page

    if wants_csv(request, format):
        return csv_response(REPORT_CSV_COLUMNS, iter_batches(fetch, after), filename="reports")
    reports, next_cursor = fetch(after, limit)
    return ReportPage(items=reports, next_cursor=encode_cursor(next_cursor) if next_cursor else None)


@router.get(
    "/{report_id}",
    summary="One report",
    response_model=dict[str, Any],
    responses={
        **VIEWER_RESPONSES,
        **NOT_FOUND,
        200: {
            "description": "The report: JSON (default), Markdown or HTML.",
            "content": {
                "application/json": {"schema": {"type": "object"}},
                "text/markdown": {"schema": {"type": "string"}},
                "text/html": {"schema": {"type": "string"}},
            },
        },
    },
)
def get_report(
    report_id: IdPath,
    database: DatabaseDep,
    _key: ViewerDep,
    scope: ScopeDep,
    format: Annotated[Literal["json", "md", "html"], Query(description="json (default), md or html.")] = "json",
) -> Response:
    """The report's content in the format asked for."""
    with database.read_session() as session:
        row = session.execute(select(REPORTS).where(REPORTS.c.id == report_id)).mappings().one_or_none()
    if row is None or (scope.teams is not None and row["team_scope"] not in scope.teams):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"No report {report_id}.")
    if format == "md":
        return PlainTextResponse(row["content_md"], media_type="text/markdown; charset=utf-8")
    if format == "html":
        return HTMLResponse(row["content_html"], headers={"Content-Security-Policy": HTML_POLICY})
    return JSONResponse(row["content_json"])


@router.get(
    "/{report_id}/deliveries",
    response_model=list[DeliveryStatus],
    summary="A report's deliveries",
    responses={**VIEWER_RESPONSES, **NOT_FOUND},
)
def get_report_deliveries(
    report_id: IdPath, database: DatabaseDep, _key: ViewerDep, scope: ScopeDep
) -> list[DeliveryStatus]:
    """Where the report was sent (Slack, e-mail, files) and how it went, one row per channel."""
    with database.read_session() as session:
        team_scope = session.execute(select(REPORTS.c.team_scope).where(REPORTS.c.id == report_id)).scalar_one_or_none()
        if team_scope is None or (scope.teams is not None and team_scope not in scope.teams):
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"No report {report_id}.")
        rows = session.execute(
            select(REPORT_DELIVERIES)
            .where(REPORT_DELIVERIES.c.report_id == report_id)
            .order_by(REPORT_DELIVERIES.c.channel)
        ).mappings()
        return [DeliveryStatus.model_validate(dict(row)) for row in rows]
