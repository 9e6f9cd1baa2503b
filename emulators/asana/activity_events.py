"""Asana events (`{user, resource, action, parent, created_at, change}`) for every item change."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from emulators.asana.catalog import Catalog
from emulators.asana.stories import StoryRenderer
from emulators.asana.timefmt import format_time
from emulators.events import ChangeEvent, ChangeKind
from emulators.org.model import Event, EventKind, Item
from emulators.org.timeline import parse_labels

__all__ = ["ActivityEvent", "EventRenderer"]


@dataclass(frozen=True)
class ActivityEvent:
    """One rendered event and what it can be subscribed through (its project and its task)."""

    project: str
    task: str
    at: float
    body: dict[str, Any]


def _named(record: dict[str, Any]) -> dict[str, Any]:
    return {"gid": record["gid"], "resource_type": record["resource_type"], "name": record.get("name")}


class EventRenderer:
    """ChangeEvent -> Asana events: task added/changed/deleted, section moves, stories added."""

    def __init__(self, catalog: Catalog, stories: StoryRenderer) -> None:
        self.catalog = catalog
        self.stories = stories

    def render(self, change: ChangeEvent) -> list[ActivityEvent]:
        """Every event one change produces (at least one)."""
        item, event = change.after, change.event
        task = self._task(item)
        bodies: list[dict[str, Any]]
        if change.kind is ChangeKind.CREATED:
            bodies = [self._event(event, task, "added", parent=_named(self.catalog.project(item.team)))]
        elif change.kind is ChangeKind.DELETED:
            bodies = [self._event(event, task, "deleted")]
        else:
            bodies = self._changes(change, task)
            bodies += self._story_events(item, event, task)
        return [ActivityEvent(self.catalog.project_gid(item.team), item.external_id, event.at, b) for b in bodies]

    def dependency_events(self, item: Item, author: int, at: float, added: list[str]) -> list[ActivityEvent]:
        """`changed` events for dependencies added through the API."""
        task = self._task(item)
        project = self.catalog.project_gid(item.team)
        return [
            ActivityEvent(
                project,
                item.external_id,
                at,
                self._body(
                    author,
                    at,
                    task,
                    "changed",
                    change={
                        "field": "dependencies",
                        "action": "added",
                        "added_value": {"gid": gid, "resource_type": "task"},
                    },
                ),
            )
            for gid in added
        ]

    def _task(self, item: Item) -> dict[str, Any]:
        return {
            "gid": item.external_id,
            "resource_type": "task",
            "resource_subtype": "default_task",
            "name": item.title,
        }

    def _changes(self, change: ChangeEvent, task: dict[str, Any]) -> list[dict[str, Any]]:
        event, item, before = change.event, change.after, change.before
        catalog = self.catalog
        kind = event.kind
        if kind is EventKind.STATUS:
            section = catalog.sections(item.team)[max(0, catalog.teams[item.team].workflow.position(item.status))]
            bodies = [self._event(event, task, "added", parent=_named(section))]
            was_closed = before is not None and catalog.is_closed(before.status_category)
            closed = catalog.is_closed(item.status_category)
            if closed != was_closed:
                bodies.append(self._changed(event, task, "completed", closed))
            return bodies
        if kind is EventKind.ASSIGNEE:
            user = None if item.assignee is None else {"gid": catalog.user_gid(item.assignee), "resource_type": "user"}
            return [self._changed(event, task, "assignee", user)]
        if kind is EventKind.ESTIMATE:
            field = catalog.estimate_field
            value = {
                "gid": field["gid"],
                "resource_type": "custom_field",
                "resource_subtype": "number",
                "number_value": item.estimate,
            }
            return [self._changed(event, task, "custom_fields", value)]
        if kind is EventKind.DUE:
            return [self._changed(event, task, "due_on", event.after)]
        if kind is EventKind.TITLE:
            return [self._changed(event, task, "name", event.after)]
        if kind is EventKind.LABELS:
            return self._tag_changes(event, task)
        if kind is EventKind.COMMENT:
            return []
        return [self._changed(event, task, kind.value, event.after)]

    def _tag_changes(self, event: Event, task: dict[str, Any]) -> list[dict[str, Any]]:
        old, new = set(parse_labels(event.before)), set(parse_labels(event.after))
        bodies = []
        for label, action in [*((t, "added") for t in sorted(new - old)), *((t, "removed") for t in sorted(old - new))]:
            value = {"gid": self.catalog.tag_gid(label), "resource_type": "tag"}
            change = {"field": "tags", "action": action, f"{action}_value": value}
            bodies.append(self._body(event.author, event.at, task, "changed", change=change))
        return bodies

    def _story_events(self, item: Item, event: Event, task: dict[str, Any]) -> list[dict[str, Any]]:
        events = []
        for story in self.stories.for_event(item, event):
            resource = {
                "gid": story["gid"],
                "resource_type": "story",
                "resource_subtype": story["resource_subtype"],
            }
            events.append(self._body(event.author, event.at, resource, "added", parent=task))
        return events

    def _changed(self, event: Event, task: dict[str, Any], field: str, value: object) -> dict[str, Any]:
        change = {"field": field, "action": "changed", "new_value": value}
        return self._body(event.author, event.at, task, "changed", change=change)

    def _event(
        self, event: Event, task: dict[str, Any], action: str, parent: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        return self._body(event.author, event.at, task, action, parent=parent)

    def _body(
        self,
        author: int,
        at: float,
        resource: dict[str, Any],
        action: str,
        *,
        parent: dict[str, Any] | None = None,
        change: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        user = self.catalog.user(author)
        body: dict[str, Any] = {
            "user": {"gid": user["gid"], "resource_type": "user", "name": user["name"]},
            "created_at": format_time(at),
            "action": action,
            "resource": resource,
            "type": resource["resource_type"],
        }
        if parent is not None:  # the spec's EventResponse.parent is not nullable: null parents are left out
            body["parent"] = parent
        if change is not None:
            body["change"] = change
        return body
