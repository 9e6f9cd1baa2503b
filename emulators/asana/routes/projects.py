"""Projects, sections, custom fields, tags and portfolios."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from emulators.asana.context import AsanaContext
from emulators.asana.errors import AsanaError
from emulators.asana.paging import slice_fetch
from emulators.asana.routes.common import api_router

__all__ = ["build_project_router"]


def build_project_router(context: AsanaContext) -> APIRouter:
    """Containers around tasks."""
    router = api_router(context, "projects")
    catalog = context.catalog

    def project_list(request: Request, archived: str | None, teams: list[int]) -> dict[str, object]:
        records = [] if archived == "true" else [catalog.project(t) for t in teams]
        return context.page(request, slice_fetch(records))

    all_teams = [t.index for t in catalog.teams]

    @router.get("/projects")
    def projects(
        request: Request, workspace: str | None = None, team: str | None = None, archived: str | None = None
    ) -> dict[str, object]:
        if workspace is not None:
            context.require_workspace(workspace)
        teams = all_teams
        if team is not None:
            index = catalog.team_index(team)
            if index is None:
                raise AsanaError(404, f"team: Unknown object: {team}")
            teams = [index]
        return project_list(request, archived, teams)

    @router.get("/workspaces/{workspace_gid}/projects")
    def workspace_projects(request: Request, workspace_gid: str, archived: str | None = None) -> dict[str, object]:
        context.require_workspace(workspace_gid)
        return project_list(request, archived, all_teams)

    @router.get("/teams/{team_gid}/projects")
    def team_projects(request: Request, team_gid: str, archived: str | None = None) -> dict[str, object]:
        index = catalog.team_index(team_gid)
        if index is None:
            raise AsanaError(404, f"team: Unknown object: {team_gid}")
        return project_list(request, archived, [index])

    @router.get("/projects/{project_gid}")
    def project(request: Request, project_gid: str) -> dict[str, object]:
        return context.one(request, catalog.project(context.project_team(project_gid)))

    @router.get("/projects/{project_gid}/sections")
    def sections(request: Request, project_gid: str) -> dict[str, object]:
        return context.page(request, slice_fetch(catalog.sections(context.project_team(project_gid))))

    @router.get("/projects/{project_gid}/task_counts")
    def task_counts(request: Request, project_gid: str) -> dict[str, object]:
        """Every field is opt-in (Asana returns ``{}`` without opt_fields); no milestones in the emulator."""
        team = context.project_team(project_gid)
        store = context.runtime.store
        wanted = {name.strip() for name in (request.query_params.get("opt_fields") or "").split(",") if name.strip()}
        total = store.count(team)
        counts: dict[str, int] = {"num_tasks": total, "num_milestones": 0}
        counts |= {"num_completed_milestones": 0, "num_incomplete_milestones": 0}
        if wanted & {"num_completed_tasks", "num_incomplete_tasks"}:
            completed = sum(1 for item in store.iter_team(team) if catalog.is_closed(item.status_category))
            counts |= {"num_completed_tasks": completed, "num_incomplete_tasks": total - completed}
        return {"data": {name: value for name, value in counts.items() if name in wanted}}

    @router.get("/sections/{section_gid}")
    def section(request: Request, section_gid: str) -> dict[str, object]:
        ref = catalog.section(section_gid)
        if ref is None:
            raise AsanaError(404, f"section: Unknown object: {section_gid}")
        return context.one(request, catalog.section_record(ref))

    @router.get("/projects/{project_gid}/custom_field_settings")
    def custom_field_settings(request: Request, project_gid: str) -> dict[str, object]:
        team = context.project_team(project_gid)
        return context.page(request, slice_fetch(catalog.custom_field_settings(team)))

    @router.get("/custom_fields/{custom_field_gid}")
    def custom_field(request: Request, custom_field_gid: str) -> dict[str, object]:
        record = catalog.custom_field(custom_field_gid)
        if record is None:
            raise AsanaError(404, f"custom_field: Unknown object: {custom_field_gid}")
        return context.one(request, record)

    @router.get("/workspaces/{workspace_gid}/custom_fields")
    def workspace_custom_fields(request: Request, workspace_gid: str) -> dict[str, object]:
        context.require_workspace(workspace_gid)
        return context.page(request, slice_fetch([catalog.estimate_field, catalog.type_field]))

    def tag_list(request: Request) -> dict[str, object]:
        return context.page(request, slice_fetch(catalog.tags()))

    @router.get("/tags")
    def tags(request: Request, workspace: str | None = None) -> dict[str, object]:
        context.require_workspace(workspace)
        return tag_list(request)

    @router.get("/workspaces/{workspace_gid}/tags")
    def workspace_tags(request: Request, workspace_gid: str) -> dict[str, object]:
        context.require_workspace(workspace_gid)
        return tag_list(request)

    @router.get("/tags/{tag_gid}")
    def tag(request: Request, tag_gid: str) -> dict[str, object]:
        label = catalog.label(tag_gid)
        if label is None:
            raise AsanaError(404, f"tag: Unknown object: {tag_gid}")
        return context.one(request, catalog.tag(label))

    @router.get("/portfolios")
    def portfolios(request: Request, workspace: str | None = None, owner: str | None = None) -> dict[str, object]:
        context.require_workspace(workspace)
        if owner is not None:
            context.person(owner, "owner")
        empty: list[dict[str, Any]] = []
        return context.page(request, slice_fetch(empty))

    return router
