"""`/api/v1/teams`: which teams exist, what they own, and each team's board across tools."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query, Request, status
from fastapi.responses import StreamingResponse
from sqlalchemy import select

from api.auth.deps import ViewerDep
from api.auth.scope import ScopeDep
from api.csv import CSV_RESPONSE, csv_response, wants_csv
from api.deps import DatabaseDep
from api.routes.common import NOT_FOUND, VIEWER_RESPONSES, NowDep, PolicyDep
from api.views.board import TeamBoard, load_team_board
from api.views.items import OPEN_CATEGORIES
from api.views.params import SAFE_TEXT, FormatParam
from api.views.tallies import read_tallies, tallies_in
from api.views.teams import TeamContainer, TeamPublic, list_team_names, team_container_ids, team_containers
from models.tables import CONNECTIONS, CONTAINERS

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/teams", tags=["teams"])

TeamPath = Annotated[
    str, Path(min_length=1, max_length=100, pattern=SAFE_TEXT, description="The team's name.", examples=["payments"])
]
TEAM_CSV_COLUMNS = ("name", "defined_in", "timezone", "containers", "open_items")


@router.get("", response_model=list[TeamPublic], summary="Teams", responses={**VIEWER_RESPONSES, **CSV_RESPONSE})
def list_teams(
    request: Request,
    database: DatabaseDep,
    policy: PolicyDep,
    _key: ViewerDep,
    scope: ScopeDep,
    format: FormatParam = None,
) -> list[TeamPublic] | StreamingResponse:
    """Teams from the policy file and from containers tagged with a team, with their containers and open items."""
    teams: list[TeamPublic] = []
    tallies = read_tallies(database)
    with database.read_session() as session:
        for name, defined_in in list_team_names(session, policy).items():
            if not scope.allows_team(name):
                continue
            ids = team_container_ids(session, policy, name)
            containers = [
                TeamContainer.model_validate(dict(row))
                for row in session.execute(
                    select(
                        CONTAINERS.c.id,
                        CONNECTIONS.c.name.label("connection"),
                        CONTAINERS.c.kind,
                        CONTAINERS.c.key,
                        CONTAINERS.c.name,
                    )
                    .join(CONNECTIONS, CONNECTIONS.c.id == CONTAINERS.c.connection_id)
                    .where(CONTAINERS.c.id.in_(sorted(ids)))
                    .order_by(CONTAINERS.c.id)
                ).mappings()
            ]
            owned = team_containers(session, policy, name, owned=ids)
            open_items = sum(t.items for t in tallies_in(tallies, scope=owned, categories=OPEN_CATEGORIES))
            team_policy = policy.teams.get(name) if policy is not None else None
            teams.append(
                TeamPublic(
                    name=name,
                    defined_in=defined_in,
                    timezone=team_policy.timezone if team_policy else "UTC",
                    containers=containers,
                    open_items=int(open_items),
                    wip_limits=dict(team_policy.wip_limits) if team_policy else {},
                )
            )
    if wants_csv(request, format):
        rows: list[dict[str, Any]] = [{**t.model_dump(), "containers": [c.name for c in t.containers]} for t in teams]
        return csv_response(TEAM_CSV_COLUMNS, [rows], filename="teams")
    return teams


BOARD_CSV_COLUMNS = ("source", "status", "category", "count", "wip_limit", "over_limit")


@router.get(
    "/{team}/board",
    response_model=TeamBoard,
    summary="A team's board across tools",
    responses={**VIEWER_RESPONSES, **NOT_FOUND, **CSV_RESPONSE},
)
def team_board(
    request: Request,
    team: TeamPath,
    database: DatabaseDep,
    policy: PolicyDep,
    now: NowDep,
    _key: ViewerDep,
    scope: ScopeDep,
    cards_per_column: Annotated[int, Query(ge=0, le=100, description="Cards listed per category column.")] = 10,
    format: FormatParam = None,
) -> TeamBoard | StreamingResponse:
    """Columns by status category (with WIP counts, points and limits) and by each tool's raw status.

    CSV lists the raw-status columns.
    """
    with database.read_session() as session:
        if not scope.allows_team(team) or team not in list_team_names(session, policy):
            raise HTTPException(status.HTTP_404_NOT_FOUND, "No such team.")
        board = load_team_board(session, database, policy, team, cards_per_column=cards_per_column, now=now)
    if wants_csv(request, format):
        return csv_response(BOARD_CSV_COLUMNS, [[s.model_dump() for s in board.statuses]], filename="board")
    return board
