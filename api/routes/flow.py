"""`/api/v1/flow`: how fast work flows: lead, cycle and pickup times, throughput and WIP."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse

from api.auth.deps import ViewerDep
from api.auth.scope import ScopeDep
from api.csv import CSV_RESPONSE, csv_response, wants_csv
from api.deps import DatabaseDep
from api.routes.common import VIEWER_RESPONSES, NowDep, PolicyDep
from api.views.flow import FlowMetrics, FlowSlice, load_flow
from api.views.params import FormatParam, text_query
from models.enums import Vendor

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/flow", tags=["flow"])

FLOW_CSV_COLUMNS = tuple(
    f"{metric}_{stat}"
    for metric in ("lead_time_days", "cycle_time_days", "pickup_time_days")
    for stat in ("samples", "p50", "p85", "p95")
)


def _csv_row(flow_slice: FlowSlice) -> dict[str, Any]:
    row: dict[str, Any] = {"source": flow_slice.source or "*", "wip": flow_slice.wip}
    for metric in ("lead_time_days", "cycle_time_days", "pickup_time_days"):
        for stat, value in getattr(flow_slice, metric).model_dump().items():
            row[f"{metric}_{stat}"] = value
    return row


@router.get("", response_model=FlowMetrics, summary="Flow metrics", responses={**VIEWER_RESPONSES, **CSV_RESPONSE})
def flow_metrics(
    request: Request,
    database: DatabaseDep,
    policy: PolicyDep,
    now: NowDep,
    _key: ViewerDep,
    scope: ScopeDep,
    weeks: Annotated[int, Query(ge=1, le=52, description="How many weeks back to look.")] = 12,
    team: Annotated[str | None, text_query("Only this team's items.", example="payments")] = None,
    source: Annotated[Vendor | None, Query(description="Only items from this tool.")] = None,
    format: FormatParam = None,
) -> FlowMetrics | StreamingResponse:
    """Lead, cycle and pickup time (p50 / p85 / p95, in days) of items done in the window, weekly throughput, WIP
    per day (the trend) and current WIP, overall and per tool.

    Durations, throughput and the WIP trend come from a snapshot at most five minutes old (`as_of`); `wip` is live.
    """
    metrics = load_flow(
        database,
        policy,
        team=team,
        source=str(source) if source else None,
        now=now,
        weeks=weeks,
        visible_teams=scope.teams,
    )
    if wants_csv(request, format):
        rows = [_csv_row(metrics.overall)] + [_csv_row(s) for s in metrics.by_source]
        return csv_response(("source", "wip", *FLOW_CSV_COLUMNS), [rows], filename="flow")
    return metrics
