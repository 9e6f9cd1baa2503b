"""Task writes: create, update, delete, move to a section, comment, dependencies. Every store write
publishes a ChangeEvent (events API and webhooks follow from it)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from emulators.asana.catalog import ESTIMATE_FIELD, TYPE_FIELD
from emulators.asana.context import AsanaContext
from emulators.asana.errors import AsanaError
from emulators.asana.routes.common import DataBody, api_router, optional_str, required_str
from emulators.ids import ObjectKind, asana_gid
from emulators.org.model import EventKind, Item, ItemType, StatusKind
from emulators.org.timeline import encode_estimate
from emulators.store import NewItem

__all__ = ["build_task_write_router"]

_ESTIMATE_GID = asana_gid(ObjectKind.CUSTOM_FIELD, ESTIMATE_FIELD)
_TYPE_GID = asana_gid(ObjectKind.CUSTOM_FIELD, TYPE_FIELD)


def build_task_write_router(context: AsanaContext) -> APIRouter:
    """POST/PUT/DELETE endpoints over tasks."""
    router = api_router(context, "task writes")
    catalog = context.catalog
    store = context.runtime.store
    me = catalog.me

    def assignee_of(value: object) -> int | None:
        if value is None:
            return None
        return context.person(str(value), "assignee")

    def due_of(value: object) -> str | None:
        if value is None:
            return None
        text = str(value)
        if len(text) != 10 or text[4] != "-" or text[7] != "-":
            raise AsanaError(400, f"due_on: Not a valid date: {text}")
        return text

    def custom_values(data: dict[str, Any]) -> dict[str, object]:
        values = data.get("custom_fields") or {}
        if not isinstance(values, dict):
            raise AsanaError(400, "custom_fields: Not an object")
        unknown = [gid for gid in values if gid not in (_ESTIMATE_GID, _TYPE_GID)]
        if unknown:
            raise AsanaError(400, f"custom_fields: Unknown custom field: {unknown[0]}")
        return dict(values)

    def estimate_of(value: object) -> str | None:
        if value is None:
            return None
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise AsanaError(400, f"custom_fields: Not a number: {value!r}")
        return encode_estimate(float(value))

    def type_of(value: object) -> ItemType:
        for item_type in ItemType:
            if catalog.type_option(item_type)["gid"] == value:
                return item_type
        raise AsanaError(400, f"custom_fields: Unknown enum option: {value!r}")

    def closing_status(item: Item, completed: bool) -> str | None:
        workflow = catalog.teams[item.team].workflow
        if completed == catalog.is_closed(item.status_category):
            return None
        target = workflow.by_kind(StatusKind.DONE if completed else StatusKind.TODO)
        return None if target is None else target.name

    def apply_updates(item: Item, data: dict[str, Any]) -> Item:
        changes: list[tuple[EventKind, str | None]] = []
        if "name" in data:
            changes.append((EventKind.TITLE, required_str(data, "name")))
        if "assignee" in data:
            person = assignee_of(data["assignee"])
            changes.append((EventKind.ASSIGNEE, None if person is None else str(person)))
        if "due_on" in data:
            changes.append((EventKind.DUE, due_of(data["due_on"])))
        values = custom_values(data)
        if _ESTIMATE_GID in values:
            changes.append((EventKind.ESTIMATE, estimate_of(values[_ESTIMATE_GID])))
        if "completed" in data:
            if not isinstance(data["completed"], bool):
                raise AsanaError(400, "completed: Not a boolean")
            status = closing_status(item, data["completed"])
            if status is not None:
                changes.append((EventKind.STATUS, status))
        for kind, value in changes:
            item = store.apply(item.index, kind, value, me)
        return item

    def placement(data: dict[str, Any]) -> tuple[int, str | None, int | None]:
        """(team, section status or None, parent index or None) of a new task."""
        parent = None
        parent_gid = optional_str(data, "parent")
        if parent_gid is not None:
            parent = context.task(parent_gid)
        memberships = data.get("memberships") or []
        projects = data.get("projects") or []
        if memberships:
            first = memberships[0] if isinstance(memberships[0], dict) else {}
            team = context.project_team(str(first.get("project", "")))
            section = catalog.section(str(first.get("section", ""))) if first.get("section") else None
            if section is not None and section.team != team:
                raise AsanaError(400, "memberships: The section is not in that project")
            return team, section.status.name if section else None, parent.index if parent else None
        if projects:
            return context.project_team(str(projects[0])), None, parent.index if parent else None
        if parent is not None:
            return parent.team, None, parent.index
        if data.get("workspace"):
            raise AsanaError(400, "projects: This emulator keeps every task in a project; give projects")
        raise AsanaError(400, "workspace: Missing input")

    def create(data: dict[str, Any]) -> Item:
        team, status, parent = placement(data)
        values = custom_values(data)
        item_type = ItemType.SUBTASK if parent is not None else ItemType.TASK
        if _TYPE_GID in values:
            item_type = type_of(values[_TYPE_GID])
        estimate = estimate_of(values.get(_ESTIMATE_GID))
        created = store.create(
            NewItem(
                team=team,
                title=str(data.get("name") or ""),
                type=item_type,
                status=status,
                description=str(data.get("notes") or ""),
                assignee=assignee_of(data.get("assignee")),
                reporter=me,
                estimate=None if estimate is None else float(estimate),
                parent=parent,
            )
        )
        if parent is not None:
            context.hierarchy.add_created(parent, created.index)
        rest = {k: v for k, v in data.items() if k in ("due_on", "completed")}
        return apply_updates(created, rest) if rest else created

    @router.post("/tasks", status_code=201)
    def create_task(request: Request, body: DataBody) -> dict[str, object]:
        return context.one(request, context.tasks.record(create(body.data)))

    @router.post("/tasks/{task_gid}/subtasks", status_code=201)
    def create_subtask(request: Request, task_gid: str, body: DataBody) -> dict[str, object]:
        context.task(task_gid)
        return context.one(request, context.tasks.record(create({**body.data, "parent": task_gid})))

    @router.put("/tasks/{task_gid}")
    def update_task(request: Request, task_gid: str, body: DataBody) -> dict[str, object]:
        return context.one(request, context.tasks.record(apply_updates(context.task(task_gid), body.data)))

    @router.delete("/tasks/{task_gid}")
    def delete_task(task_gid: str) -> dict[str, object]:
        store.delete(context.task_index(task_gid), me)
        return {"data": {}}

    @router.post("/sections/{section_gid}/addTask")
    def add_task_to_section(section_gid: str, body: DataBody) -> dict[str, object]:
        ref = catalog.section(section_gid)
        if ref is None:
            raise AsanaError(404, f"section: Unknown object: {section_gid}")
        item = context.task(required_str(body.data, "task"))
        if item.team != ref.team:
            raise AsanaError(400, "task: The task is not in the section's project")
        if item.status != ref.status.name:
            store.apply(item.index, EventKind.STATUS, ref.status.name, me)
        return {"data": {}}

    @router.post("/tasks/{task_gid}/stories", status_code=201)
    def add_comment(request: Request, task_gid: str, body: DataBody) -> dict[str, object]:
        item = context.task(task_gid)
        text = optional_str(body.data, "text") or optional_str(body.data, "html_text")
        if not text:
            raise AsanaError(400, "text: Missing input")
        after = store.apply(item.index, EventKind.COMMENT, text, me)
        last = store.history(item.index)[-1]
        return context.one(request, context.stories.for_event(after, last)[0])

    def dependency_indices(data: dict[str, Any]) -> list[int]:
        gids = data.get("dependencies")
        if not isinstance(gids, list) or not gids:
            raise AsanaError(400, "dependencies: Missing input")
        return [context.task_index(str(gid)) for gid in gids]

    @router.post("/tasks/{task_gid}/addDependencies")
    def add_dependencies(task_gid: str, body: DataBody) -> dict[str, object]:
        item = context.task(task_gid)
        added = context.graph.add(item.index, dependency_indices(body.data))
        if added:
            gids = [context.tasks.reference(i)["gid"] for i in added]
            context.publish(context.events.dependency_events(item, me, context.runtime.clock.timestamp(), gids))
        return {"data": {}}

    @router.post("/tasks/{task_gid}/removeDependencies")
    def remove_dependencies(task_gid: str, body: DataBody) -> dict[str, object]:
        item = context.task(task_gid)
        context.graph.remove(item.index, dependency_indices(body.data))
        return {"data": {}}

    return router
