"""Flow: lead, cycle and pickup times, weekly throughput and WIP, overall and per tool."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from api.dashboard.charts import cycle_time_chart, throughput_chart
from api.dashboard.filters import FormValues
from api.dashboard.identity import ViewerDep
from api.dashboard.templating import render_page
from api.deps import DatabaseDep
from api.routes.common import NowDep, PolicyDep
from api.views.flow import compute_flow
from api.views.items import ItemFilters, item_conditions
from api.views.teams import list_team_names
from models.enums import Vendor

__all__ = ["WEEK_CHOICES", "router"]

router = APIRouter(include_in_schema=False)

WEEK_CHOICES = ("4", "8", "12", "26", "52")


@router.get("/flow", response_class=HTMLResponse)
def flow(
    request: Request,
    viewer: ViewerDep,
    database: DatabaseDep,
    policy: PolicyDep,
    now: NowDep,
    team: Annotated[str | None, Query(max_length=100)] = None,
    source: Annotated[str | None, Query(max_length=20)] = None,
    weeks: Annotated[str | None, Query(max_length=3)] = None,
) -> HTMLResponse:
    """Flow figures for the chosen team, tool and window (12 weeks by default)."""
    form = FormValues()
    values = {
        "team": form.text("Team", team, max_length=100),
        "source": form.choice("Tool", source, [str(v) for v in Vendor]),
        "weeks": form.choice("Weeks", weeks, WEEK_CHOICES) or "12",
    }
    with database.read_session() as session:
        teams = sorted(list_team_names(session, policy))
        scope = item_conditions(session, ItemFilters(team=values["team"], source=values["source"]), policy)
        metrics = compute_flow(session, scope, now=now, weeks=int(values["weeks"] or 12))
    return render_page(
        request,
        "flow.html",
        title="Flow",
        viewer=viewer,
        metrics=metrics,
        values=values,
        errors=form.errors,
        teams=teams,
        vendors=[str(v) for v in Vendor],
        week_choices=WEEK_CHOICES,
        charts={"throughput": throughput_chart(metrics), "cycle_time": cycle_time_chart(metrics)},
    )
