"""Task listings and reads: `/tasks` with its filters, per project, section and tag, subtasks, stories,
dependencies."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from fastapi import APIRouter, Request

from emulators.asana.context import AsanaContext
from emulators.asana.errors import AsanaError
from emulators.asana.paging import slice_fetch
from emulators.asana.queries import TaskFilter
from emulators.asana.routes.common import api_router
from emulators.asana.timefmt import parse_time
from emulators.org.model import Item

__all__ = ["build_task_read_router"]

_ONE_OF = "Must specify exactly one of project, tag, section, user task list, or assignee + workspace"


def build_task_read_router(context: AsanaContext) -> APIRouter:
    """GET endpoints over tasks."""
    router = api_router(context, "tasks")
    catalog = context.catalog
    all_teams = tuple(t.index for t in catalog.teams)

    def moment(name: str, value: str | None) -> float | None:
        if value is None:
            return None
        if value == "now":
            return context.runtime.clock.timestamp()
        try:
            return parse_time(value)
        except ValueError as error:
            raise AsanaError(400, f"{name}: Not a valid date-time: {value}") from error

    def listing(request: Request, where: TaskFilter) -> dict[str, object]:
        def fetch(position: int, count: int) -> tuple[list[Item], int, bool]:
            return context.queries.fetch(where, position, count)

        return context.page(request, fetch, context.render_task)

    def timed(request: Request, where: TaskFilter) -> TaskFilter:
        """The filter plus the request's modified_since and completed_since."""
        params = request.query_params
        return replace(
            where,
            modified_since=moment("modified_since", params.get("modified_since")),
            completed_since=moment("completed_since", params.get("completed_since")),
        )

    def section_filter(gid: str) -> TaskFilter:
        ref = catalog.section(gid)
        if ref is None:
            raise AsanaError(404, f"section: Unknown object: {gid}")
        return TaskFilter(teams=(ref.team,), status=ref.status.name)

    def tag_label(gid: str) -> str:
        label = catalog.label(gid)
        if label is None:
            raise AsanaError(404, f"tag: Unknown object: {gid}")
        return label

    @router.get("/tasks")
    def tasks(
        request: Request,
        project: str | None = None,
        section: str | None = None,
        tag: str | None = None,
        assignee: str | None = None,
        workspace: str | None = None,
    ) -> dict[str, object]:
        chosen = [name for name, value in (("project", project), ("section", section), ("tag", tag)) if value]
        by_assignee = assignee is not None or workspace is not None
        if len(chosen) + (1 if by_assignee else 0) != 1 or (by_assignee and not (assignee and workspace)):
            raise AsanaError(400, _ONE_OF)
        if project is not None:
            where = TaskFilter(teams=(context.project_team(project),))
        elif section is not None:
            where = section_filter(section)
        elif tag is not None:
            where = TaskFilter(teams=all_teams, label=tag_label(tag))
        else:
            context.require_workspace(workspace)
            where = TaskFilter(teams=all_teams, assignee=context.person(assignee or "", "assignee"))
        return listing(request, timed(request, where))

    @router.get("/projects/{project_gid}/tasks")
    def project_tasks(request: Request, project_gid: str) -> dict[str, object]:
        return listing(request, timed(request, TaskFilter(teams=(context.project_team(project_gid),))))

    @router.get("/sections/{section_gid}/tasks")
    def section_tasks(request: Request, section_gid: str) -> dict[str, object]:
        return listing(request, timed(request, section_filter(section_gid)))

    @router.get("/tags/{tag_gid}/tasks")
    def tag_tasks(request: Request, tag_gid: str) -> dict[str, object]:
        return listing(request, TaskFilter(teams=all_teams, label=tag_label(tag_gid)))

    @router.get("/tasks/{task_gid}")
    def task(request: Request, task_gid: str) -> dict[str, object]:
        return context.one(request, context.tasks.record(context.task(task_gid)))

    def items_of(indices: list[int]) -> list[Item]:
        return [item for item in (context.runtime.store.get(i) for i in indices) if item is not None]

    @router.get("/tasks/{task_gid}/subtasks")
    def subtasks(request: Request, task_gid: str) -> dict[str, object]:
        children = context.hierarchy.children(context.task(task_gid).index)

        def fetch(position: int, count: int) -> tuple[list[Item], int, bool]:
            chosen = children[position : position + count]
            after = position + len(chosen)
            return items_of(chosen), after, after >= len(children)

        return context.page(request, fetch, context.render_task)

    @router.get("/tasks/{task_gid}/stories")
    def stories(request: Request, task_gid: str) -> dict[str, object]:
        records: list[dict[str, Any]] = context.stories.stories(context.task(task_gid).index)
        return context.page(request, slice_fetch(records))

    @router.get("/tasks/{task_gid}/dependencies")
    def dependencies(request: Request, task_gid: str) -> dict[str, object]:
        indices = context.graph.dependencies(context.task(task_gid).index)
        return context.page(request, slice_fetch(items_of(indices)), context.render_task)

    @router.get("/tasks/{task_gid}/dependents")
    def dependents(request: Request, task_gid: str) -> dict[str, object]:
        indices = context.graph.dependents(context.task(task_gid).index)
        return context.page(request, slice_fetch(items_of(indices)), context.render_task)

    return router
