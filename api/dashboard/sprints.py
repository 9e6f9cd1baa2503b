"""The active sprints: committed vs added scope (scope creep), progress and carried-over items."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from api.auth.scope import WHOLE_ORGANISATION
from api.dashboard.identity import ViewerDep
from api.dashboard.templating import render_page
from api.deps import DatabaseDep
from api.routes.common import PolicyDep
from api.routes.sprints import list_sprints
from api.views.sprints import SprintPage

__all__ = ["SCOPE_CREEP_PERCENT", "router"]

router = APIRouter(include_in_schema=False)

# Rule R09's default: scope added after the start beyond 20 % of the committed scope is scope creep.
SCOPE_CREEP_PERCENT = 20.0


@router.get("/sprints", response_class=HTMLResponse)
def active_sprints(request: Request, viewer: ViewerDep, database: DatabaseDep, policy: PolicyDep) -> HTMLResponse:
    """Every active sprint with its scope figures (up to 500)."""
    page = list_sprints(
        request, database, policy, viewer.identity, WHOLE_ORGANISATION, state="active", limit=500, format="json"
    )
    assert isinstance(page, SprintPage)  # format="json" never streams CSV
    sprints = sorted(page.items, key=lambda s: (-s.added_percent, s.name))
    return render_page(
        request, "sprints.html", title="Sprints", viewer=viewer, sprints=sprints, creep_percent=SCOPE_CREEP_PERCENT
    )
