"""Workspaces, users and teams."""

from __future__ import annotations

from fastapi import APIRouter, Request

from emulators.asana.context import AsanaContext
from emulators.asana.errors import AsanaError
from emulators.asana.paging import slice_fetch
from emulators.asana.routes.common import api_router

__all__ = ["build_directory_router"]


def build_directory_router(context: AsanaContext) -> APIRouter:
    """`/workspaces`, `/users`, `/teams` and their nested listings."""
    router = api_router(context, "directory")
    catalog = context.catalog

    def team_of(gid: str) -> int:
        team = catalog.team_index(gid)
        if team is None:
            raise AsanaError(404, f"team: Unknown object: {gid}")
        return team

    @router.get("/workspaces")
    def workspaces(request: Request) -> dict[str, object]:
        return context.page(request, slice_fetch([catalog.workspace]))

    @router.get("/workspaces/{workspace_gid}")
    def workspace(request: Request, workspace_gid: str) -> dict[str, object]:
        context.require_workspace(workspace_gid)
        return context.one(request, catalog.workspace)

    @router.get("/users")
    def users(request: Request, workspace: str | None = None, team: str | None = None) -> dict[str, object]:
        if workspace is not None:
            context.require_workspace(workspace)
        records = catalog.users()
        if team is not None:
            people = set(catalog.teams[team_of(team)].people)
            records = [catalog.user(p) for p in sorted(people)]
        return context.page(request, slice_fetch(records))

    @router.get("/users/{user_gid}")
    def user(request: Request, user_gid: str) -> dict[str, object]:
        return context.one(request, catalog.user(context.person(user_gid)))

    @router.get("/workspaces/{workspace_gid}/users")
    def workspace_users(request: Request, workspace_gid: str) -> dict[str, object]:
        context.require_workspace(workspace_gid)
        return context.page(request, slice_fetch(sorted(catalog.users(), key=lambda u: str(u["name"]).lower())))

    def teams_of(request: Request, organization: str) -> dict[str, object]:
        context.require_workspace(organization, "organization")
        return context.page(request, slice_fetch([catalog.team(t.index) for t in catalog.teams]))

    @router.get("/workspaces/{workspace_gid}/teams")
    def workspace_teams(request: Request, workspace_gid: str) -> dict[str, object]:
        return teams_of(request, workspace_gid)

    @router.get("/organizations/{organization_gid}/teams")
    def organization_teams(request: Request, organization_gid: str) -> dict[str, object]:
        return teams_of(request, organization_gid)

    @router.get("/users/{user_gid}/teams")
    def user_teams(request: Request, user_gid: str, organization: str | None = None) -> dict[str, object]:
        context.require_workspace(organization, "organization")
        person = context.person(user_gid)
        return context.page(request, slice_fetch([catalog.team(t.index) for t in catalog.teams if person in t.people]))

    @router.get("/teams/{team_gid}")
    def team(request: Request, team_gid: str) -> dict[str, object]:
        return context.one(request, catalog.team(team_of(team_gid)))

    @router.get("/teams/{team_gid}/users")
    def team_users(request: Request, team_gid: str) -> dict[str, object]:
        team = catalog.teams[team_of(team_gid)]
        return context.page(request, slice_fetch([catalog.user(p) for p in sorted(team.people)]))

    return router
