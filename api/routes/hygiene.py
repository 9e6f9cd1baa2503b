"""`/api/v1/hygiene`: how clean each team's (or container's) backlog is, as a score out of 100."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse

from api.auth.deps import ViewerDep
from api.auth.scope import ScopeDep
from api.csv import CSV_RESPONSE, csv_response, wants_csv
from api.deps import DatabaseDep
from api.routes.common import VIEWER_RESPONSES, NowDep, PolicyDep
from api.views.hygiene import HygieneReport, HygieneScore, compute_hygiene
from api.views.params import FormatParam

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/hygiene", tags=["hygiene"])

HYGIENE_CSV_COLUMNS = tuple(name for name in HygieneScore.model_fields if name != "history")


@router.get("", response_model=HygieneReport, summary="Hygiene scores", responses={**VIEWER_RESPONSES, **CSV_RESPONSE})
def hygiene_scores(
    request: Request,
    database: DatabaseDep,
    policy: PolicyDep,
    now: NowDep,
    _key: ViewerDep,
    scope: ScopeDep,
    by: Annotated[
        Literal["team", "container"], Query(description="Score per team (default) or per container.")
    ] = "team",
    trend_days: Annotated[
        int, Query(ge=1, le=366, description="How many earlier days of daily scores to return as `history`.")
    ] = 30,
    format: FormatParam = None,
) -> HygieneReport | StreamingResponse:
    """100 minus the weighted share of open items with open (not snoozed) findings; weights by severity from the
    policy's `hygiene.weights`. Each score carries its trend: the previous day's snapshot score, the change since,
    and the daily scores of the last `trend_days` days (snapshots are stored by the sweep, or by the first request of
    a day)."""
    report = compute_hygiene(database, policy, by=by, now=now, trend_days=trend_days)
    if not scope.whole:
        report = report.model_copy(update={"scores": [s for s in report.scores if scope.allows_team(s.team)]})
    if wants_csv(request, format):
        return csv_response(HYGIENE_CSV_COLUMNS, [[s.model_dump() for s in report.scores]], filename="hygiene")
    return report
