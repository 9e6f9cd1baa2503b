"""Task records: an Item rendered as Asana's full task (compact forms and opt_fields come from `fields`)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from html import escape
from typing import Any

from emulators.asana.catalog import Catalog
from emulators.asana.dependencies import DependencyGraph
from emulators.asana.hierarchy import Hierarchy
from emulators.asana.timefmt import format_date, format_time
from emulators.events import ChangeEvent
from emulators.org.model import Item
from emulators.store import ItemStore

__all__ = ["TaskRenderer", "number_text", "task_compact"]

_REFERENCE_CACHE = 4096


def number_text(value: float | None) -> str | None:
    """A number custom field's display value ("3", "0.5")."""
    return None if value is None else f"{value:g}"


def task_compact(item: Item) -> dict[str, Any]:
    """`{gid, resource_type, name, resource_subtype}` of an item."""
    return {"gid": item.external_id, "resource_type": "task", "name": item.title, "resource_subtype": "default_task"}


def _number(value: float | None) -> int | float | None:
    return None if value is None else int(value) if value == int(value) else value


class TaskRenderer:
    """Renders items as full task records."""

    def __init__(self, store: ItemStore, catalog: Catalog, hierarchy: Hierarchy, graph: DependencyGraph) -> None:
        self.store = store
        self.catalog = catalog
        self.hierarchy = hierarchy
        self.graph = graph
        # Parents (epics, stories) are referenced by many tasks: keep their compact form instead of
        # generating them again for every child; any write to a task drops its entry.
        self._cache: OrderedDict[int, dict[str, Any]] = OrderedDict()
        self._lock = threading.Lock()
        store.bus.subscribe(self._forget)

    def reference(self, index: int) -> dict[str, Any]:
        """`{gid, resource_type, name, resource_subtype}` of a task (name read from the item)."""
        with self._lock:
            cached = self._cache.get(index)
            if cached is not None:
                self._cache.move_to_end(index)
                return cached
        item = self.store.get(index, include_deleted=True)
        if item is None:
            raise KeyError(index)
        reference = task_compact(item)
        with self._lock:
            self._cache[index] = reference
            if len(self._cache) > _REFERENCE_CACHE:
                self._cache.popitem(last=False)
        return reference

    def _forget(self, change: ChangeEvent) -> None:
        with self._lock:
            self._cache.pop(change.after.index, None)

    def record(self, item: Item, wanted: set[str] | None = None) -> dict[str, Any]:
        """The full task record; with `wanted`, fields that cost lookups are filled only when wanted."""

        def want(name: str) -> bool:
            return wanted is None or name in wanted

        catalog = self.catalog
        project = catalog.project(item.team)
        section = catalog.sections(item.team)[max(0, catalog.teams[item.team].workflow.position(item.status))]
        completed = catalog.is_closed(item.status_category)
        assignee = catalog.user(item.assignee) if item.assignee is not None else None
        followers = [catalog.user(item.reporter)]
        if assignee is not None and item.assignee != item.reporter:
            followers.append(assignee)
        return {
            "gid": item.external_id,
            "resource_type": "task",
            "name": item.title,
            "resource_subtype": "default_task",
            "created_at": format_time(item.created_at),
            "created_by": {"gid": catalog.user_gid(item.reporter), "resource_type": "user"},
            "modified_at": format_time(item.updated_at),
            "completed": completed,
            "completed_at": format_time(item.resolved_at) if completed and item.resolved_at else None,
            "completed_by": None,
            "assignee": assignee,
            "assignee_status": "upcoming" if assignee is not None else "inbox",
            "assignee_section": None,
            "due_on": format_date(item.due),
            "due_at": None,
            "start_on": None,
            "start_at": None,
            "notes": item.description,
            "html_notes": f"<body>{escape(item.description)}</body>",
            "num_subtasks": self.hierarchy.count(item.index) if want("num_subtasks") else 0,
            "parent": self.reference(item.parent) if item.parent is not None and want("parent") else None,
            "memberships": [{"project": project, "section": section}],
            "projects": [project],
            "workspace": catalog.workspace,
            "tags": [catalog.tag(label) for label in item.labels],
            "custom_fields": self.custom_fields(item),
            "followers": followers,
            "dependencies": self._references(self.graph.dependencies(item.index)) if want("dependencies") else [],
            "dependents": self._references(self.graph.dependents(item.index)) if want("dependents") else [],
            "hearted": False,
            "hearts": [],
            "liked": False,
            "likes": [],
            "num_hearts": 0,
            "num_likes": 0,
            "is_rendered_as_separator": False,
            "actual_time_minutes": None,
            "permalink_url": item.url,
        }

    def _references(self, indices: list[int]) -> list[dict[str, Any]]:
        """Compact references of several tasks."""
        return [self.reference(i) for i in indices]

    def custom_fields(self, item: Item) -> list[dict[str, Any]]:
        """Story Points (number) and Type (enum) with this task's values."""
        option = self.catalog.type_option(item.type)
        return [
            {
                **self.catalog.estimate_field,
                "number_value": _number(item.estimate),
                "display_value": number_text(item.estimate),
            },
            {**self.catalog.type_field, "enum_value": option, "display_value": option["name"]},
        ]
