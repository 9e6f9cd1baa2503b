"""Jira Software (Agile 1.0): boards, their configuration, backlog and issues, sprints and sprint issues."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from emulators.jira.api_search import expansions
from emulators.jira.context import JiraContext
from emulators.jira.errors import bad_request, not_found
from emulators.jira.fields import FieldSelection
from emulators.jira.jql import Op
from emulators.jira.paging import check_window, page_bean
from emulators.jira.render import View
from emulators.jira.responses import json_body
from emulators.jira.search import Condition, Criteria
from emulators.jira.site import JiraCategory
from emulators.org.model import Sprint, SprintState, Team

__all__ = ["agile_router"]

BOARD_PAGE_MAX = 50
ISSUE_PAGE_MAX = 100


def agile_router(ctx: JiraContext) -> APIRouter:
    """Agile routes."""
    router = APIRouter(prefix="/rest/agile/1.0", tags=["agile"])
    site = ctx.site
    store = ctx.runtime.store

    def board_json(view: View, team: Team) -> dict[str, Any]:
        board_id = site.board_id(team.index)
        return {
            "id": board_id,
            "self": f"{view.base_url}/rest/agile/1.0/board/{board_id}",
            "name": f"{team.key} board",
            "type": "scrum",
            "location": {
                "projectId": int(site.project_id(team.index)),
                "displayName": f"{team.name} ({team.key})",
                "projectName": team.name,
                "projectKey": team.key,
                "projectTypeKey": "software",
                "avatarURI": f"{view.base_url}/secure/projectavatar?size=small&pid={site.project_id(team.index)}",
                "name": f"{team.name} ({team.key})",
            },
        }

    def board_team(board_id: int) -> Team:
        team = site.team_of_board(board_id)
        if team is None:
            raise not_found(f"Board does not exist or you do not have permission to see it. (boardId: {board_id})")
        return team

    def sprint_or_404(sprint_id: int) -> Sprint:
        sprint = site.sprint(sprint_id)
        if sprint is None:
            raise not_found(f"Sprint does not exist or you do not have permission to see it. (sprintId: {sprint_id})")
        return sprint

    def issue_page(
        request: Request,
        criteria: Criteria,
        jql: str | None,
        start_at: int,
        max_results: int,
        fields: list[str] | None,
        expand: str | None,
    ) -> Response:
        max_results = check_window(start_at, max_results, limit=ISSUE_PAGE_MAX)
        if jql:
            _, extra = ctx.parse(jql, require_bound=False)
            criteria = extra.restrict(*criteria.conditions, teams=criteria.teams)
        result = ctx.engine.run(criteria)
        view = ctx.view(request, 2)
        selection = FieldSelection.parse(fields, default="*navigable")
        loaded = ctx.load(result.indices[start_at : start_at + max_results])
        wanted = expansions(expand)
        issues = [view.issue(store, item, selection, wanted, agile=True, events=events) for item, events in loaded]
        return json_body(
            {
                "expand": "schema,names",
                "startAt": start_at,
                "maxResults": max_results,
                "total": len(result),
                "issues": issues,
            }
        )

    @router.get("/board")
    def boards(
        request: Request,
        start_at: Annotated[int, Query(alias="startAt")] = 0,
        max_results: Annotated[int, Query(alias="maxResults")] = 50,
        type: str | None = None,
        name: str | None = None,
        project_key_or_id: Annotated[str | None, Query(alias="projectKeyOrId")] = None,
    ) -> dict[str, Any]:
        max_results = check_window(start_at, max_results, limit=BOARD_PAGE_MAX)
        view = ctx.view(request)
        teams = list(site.teams)
        if type is not None:
            kinds = {t.strip() for t in type.split(",")}
            teams = teams if "scrum" in kinds else []
        if name:
            teams = [t for t in teams if name.lower() in f"{t.key} board".lower()]
        if project_key_or_id:
            wanted = site.team_by_key_or_id(project_key_or_id)
            if wanted is None:
                raise bad_request(f"No project could be found with key or id '{project_key_or_id}'.")
            teams = [t for t in teams if t.index == wanted.index]
        return page_bean([board_json(view, t) for t in teams], start_at, max_results)

    @router.get("/board/{board_id}")
    def board(request: Request, board_id: int) -> dict[str, Any]:
        return board_json(ctx.view(request), board_team(board_id))

    @router.get("/board/{board_id}/configuration")
    def configuration(request: Request, board_id: int) -> dict[str, Any]:
        team = board_team(board_id)
        view = ctx.view(request)
        columns = [
            {
                "name": status.name,
                "statuses": [
                    {"id": site.status(status.name).id, "self": view.api(f"status/{site.status(status.name).id}")}
                ],
            }
            for status in team.workflow.statuses
        ]
        return {
            "id": board_id,
            "name": f"{team.key} board",
            "type": "scrum",
            "self": f"{view.base_url}/rest/agile/1.0/board/{board_id}/configuration",
            "location": {"type": "project", "projectKeyOrId": team.key},
            "filter": {"id": str(10000 + team.index), "self": view.api(f"filter/{10000 + team.index}")},
            "subQuery": {"query": "fixVersion in unreleasedVersions() OR fixVersion is EMPTY"},
            "columnConfig": {"columns": columns, "constraintType": "none"},
            "estimation": {
                "type": "field",
                "field": {"fieldId": site.fields.story_points, "displayName": "Story point estimate"},
            },
            "ranking": {"rankCustomFieldId": int(site.fields.rank.removeprefix("customfield_"))},
        }

    @router.get("/board/{board_id}/sprint")
    def board_sprints(
        request: Request,
        board_id: int,
        start_at: Annotated[int, Query(alias="startAt")] = 0,
        max_results: Annotated[int, Query(alias="maxResults")] = 50,
        state: str | None = None,
    ) -> dict[str, Any]:
        team = board_team(board_id)
        max_results = check_window(start_at, max_results, limit=BOARD_PAGE_MAX)
        sprints = list(site.org.sprints(team.index))
        if state:
            states = {s.strip().lower() for s in state.split(",") if s.strip()}
            unknown = states - {s.value for s in SprintState}
            if unknown:
                raise bad_request(
                    f"Invalid sprint state: {', '.join(sorted(unknown))}. Valid states are future, active, closed."
                )
            sprints = [s for s in sprints if s.state.value in states]
        view = ctx.view(request)
        return page_bean([view.sprint(s, agile=True) for s in sprints], start_at, max_results)

    @router.get("/sprint/{sprint_id}")
    def sprint(request: Request, sprint_id: int) -> dict[str, Any]:
        return ctx.view(request).sprint(sprint_or_404(sprint_id), agile=True)

    @router.get("/board/{board_id}/backlog")
    def backlog(
        request: Request,
        board_id: int,
        start_at: Annotated[int, Query(alias="startAt")] = 0,
        max_results: Annotated[int, Query(alias="maxResults")] = 50,
        jql: str | None = None,
        fields: Annotated[list[str] | None, Query()] = None,
        expand: str | None = None,
    ) -> Response:
        team = board_team(board_id)
        open_sprints = frozenset(s.id for s in site.org.sprints(team.index) if s.state is not SprintState.CLOSED)
        criteria = Criteria(
            teams=frozenset({team.index}),
            conditions=(
                Condition("sprint", Op.NOT_IN, frozenset(open_sprints)),
                Condition("category", Op.NOT_IN, frozenset({JiraCategory.DONE})),
            ),
        )
        return issue_page(request, criteria, jql, start_at, max_results, fields, expand)

    @router.get("/board/{board_id}/issue")
    def board_issues(
        request: Request,
        board_id: int,
        start_at: Annotated[int, Query(alias="startAt")] = 0,
        max_results: Annotated[int, Query(alias="maxResults")] = 50,
        jql: str | None = None,
        fields: Annotated[list[str] | None, Query()] = None,
        expand: str | None = None,
    ) -> Response:
        team = board_team(board_id)
        return issue_page(request, Criteria(teams=frozenset({team.index})), jql, start_at, max_results, fields, expand)

    def sprint_issues(
        request: Request,
        sprint: Sprint,
        start_at: int,
        max_results: int,
        jql: str | None,
        fields: list[str] | None,
        expand: str | None,
    ) -> Response:
        criteria = Criteria(
            teams=frozenset({sprint.team}), conditions=(Condition("sprint_field", Op.IN, frozenset({sprint.id})),)
        )
        return issue_page(request, criteria, jql, start_at, max_results, fields, expand)

    @router.get("/sprint/{sprint_id}/issue")
    def issues_of_sprint(
        request: Request,
        sprint_id: int,
        start_at: Annotated[int, Query(alias="startAt")] = 0,
        max_results: Annotated[int, Query(alias="maxResults")] = 50,
        jql: str | None = None,
        fields: Annotated[list[str] | None, Query()] = None,
        expand: str | None = None,
    ) -> Response:
        return sprint_issues(request, sprint_or_404(sprint_id), start_at, max_results, jql, fields, expand)

    @router.get("/board/{board_id}/sprint/{sprint_id}/issue")
    def board_sprint_issues(
        request: Request,
        board_id: int,
        sprint_id: int,
        start_at: Annotated[int, Query(alias="startAt")] = 0,
        max_results: Annotated[int, Query(alias="maxResults")] = 50,
        jql: str | None = None,
        fields: Annotated[list[str] | None, Query()] = None,
        expand: str | None = None,
    ) -> Response:
        team = board_team(board_id)
        found = sprint_or_404(sprint_id)
        if found.team != team.index:
            raise not_found(f"Sprint {sprint_id} is not on board {board_id}.")
        return sprint_issues(request, found, start_at, max_results, jql, fields, expand)

    return router
