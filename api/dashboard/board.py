"""A team's board across tools: one column per status category, and each tool's own statuses."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from api.dashboard.filters import FormValues
from api.dashboard.identity import ViewerDep
from api.dashboard.templating import render_page
from api.deps import DatabaseDep
from api.routes.common import NowDep, PolicyDep
from api.views.board import TeamBoard, load_team_board
from api.views.teams import list_team_names

__all__ = ["CARDS_PER_COLUMN", "router"]

router = APIRouter(include_in_schema=False)

CARDS_PER_COLUMN = 8


@router.get("/board", response_class=HTMLResponse)
def team_board(
    request: Request,
    viewer: ViewerDep,
    database: DatabaseDep,
    policy: PolicyDep,
    now: NowDep,
    team: Annotated[str | None, Query(max_length=100)] = None,
) -> HTMLResponse:
    """The chosen team's board (the first team when none is chosen)."""
    form = FormValues()
    board: TeamBoard | None = None
    with database.read_session() as session:
        teams = sorted(list_team_names(session, policy))
        chosen = form.choice("Team", team, teams) if team else (teams[0] if teams else None)
        if chosen is not None:
            board = load_team_board(session, database, policy, chosen, cards_per_column=CARDS_PER_COLUMN, now=now)
    return render_page(
        request,
        "board.html",
        title="Team board",
        viewer=viewer,
        teams=teams,
        team=chosen,
        board=board,
        errors=form.errors,
    )
