"""`/api/v1/hygiene`: how clean each team's (or container's) backlog is, as a score out of 100."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse

from api.auth.deps import ViewerDep
from api.csv import CSV_RESPONSE, csv_response, wants_csv
from api.deps import DatabaseDep
from api.routes.common import VIEWER_RESPONSES, NowDep, PolicyDep
from api.views.hygiene import HygieneReport, HygieneScore, compute_hygiene
from api.views.params import FormatParam

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/hygiene", tags=["hygiene"])

HYGIENE_CSV_COLUMNS = tuple(HygieneScore.model_fields)


@router.get("", response_model=HygieneReport, summary="Hygiene scores", responses={**VIEWER_RESPONSES, **CSV_RESPONSE})
def hygiene_scores(
    request: Request,
    database: DatabaseDep,
    policy: PolicyDep,
    now: NowDep,
    _key: ViewerDep,
    by: Annotated[
        Literal["team", "container"], Query(description="Score per team (default) or per container.")
    ] = "team",
    format: FormatParam = None,
) -> HygieneReport | StreamingResponse:
    """100 minus the weighted share of open items with open (not snoozed) findings; weights by severity from the
    policy's `hygiene.weights`."""
    with database.read_session() as session:
        report = compute_hygiene(session, policy, by=by, now=now)
    if wants_csv(request, format):
        return csv_response(HYGIENE_CSV_COLUMNS, [[s.model_dump() for s in report.scores]], filename="hygiene")
    return report
