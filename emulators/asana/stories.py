"""Stories: an item's history events rendered as Asana comments and system stories."""

from __future__ import annotations

from html import escape
from typing import Any

from emulators.asana.catalog import Catalog
from emulators.asana.tasks import number_text
from emulators.asana.timefmt import format_time
from emulators.ids import ObjectKind, asana_gid
from emulators.org.model import Event, EventKind, Item, event_serial
from emulators.org.timeline import parse_labels
from emulators.store import ItemStore

__all__ = ["StoryRenderer"]

_STORIES_PER_EVENT = 8


class StoryRenderer:
    """Turns history events into story records (several stories per event at most `_STORIES_PER_EVENT`)."""

    def __init__(self, store: ItemStore, catalog: Catalog) -> None:
        self.store = store
        self.catalog = catalog

    def stories(self, index: int) -> list[dict[str, Any]]:
        """Every story of a task, oldest first."""
        item = self.store.get(index, include_deleted=True)
        if item is None:
            return []
        return [story for event in self.store.history(index) for story in self.for_event(item, event)]

    def for_event(self, item: Item, event: Event) -> list[dict[str, Any]]:
        """The stories one history event of `item` produces (none for Jira-only fields and deletions)."""
        index = item.index
        parts = self._parts(item.team, event)
        stories = []
        target = {"gid": item.external_id, "resource_type": "task"}
        for number, (subtype, text, extra) in enumerate(parts[:_STORIES_PER_EVENT]):
            gid = asana_gid(ObjectKind.EVENT, event_serial(index, event.number) * _STORIES_PER_EVENT + number)
            stories.append(self._story(gid, target, event, subtype, text, extra))
        return stories

    def _story(
        self, gid: str, target: dict[str, Any], event: Event, subtype: str, text: str, extra: dict[str, Any]
    ) -> dict[str, Any]:
        comment = subtype == "comment_added"
        story: dict[str, Any] = {
            "gid": gid,
            "resource_type": "story",
            "created_at": format_time(event.at),
            "created_by": self.catalog.user(event.author),
            "resource_subtype": subtype,
            "type": "comment" if comment else "system",
            "text": text,
            "is_pinned": False,
            "is_editable": comment,
            "is_edited": False,
            "hearted": False,
            "hearts": [],
            "num_hearts": 0,
            "liked": False,
            "likes": [],
            "num_likes": 0,
            "previews": [],
            "source": "web",
            "target": target,
        }
        if comment:
            story["html_text"] = f"<body>{escape(text)}</body>"
        story.update(extra)
        return story

    def _parts(self, team: int, event: Event) -> list[tuple[str, str, dict[str, Any]]]:
        catalog = self.catalog
        project = catalog.project(team)
        kind, before, after = event.kind, event.before, event.after
        if kind is EventKind.CREATED:
            return [("added_to_project", f"added to {project['name']}", {"project": project})]
        if kind is EventKind.COMMENT:
            return [("comment_added", after or "", {})]
        if kind is EventKind.STATUS:
            return self._status_parts(team, before, after)
        if kind is EventKind.ASSIGNEE:
            if after is None:
                return [("unassigned", "unassigned", {})]
            user = catalog.user(int(after))
            return [("assigned", f"assigned to {user['name']}", {"assignee": user})]
        if kind is EventKind.ESTIMATE:
            return [self._estimate_part(before, after)]
        if kind is EventKind.DUE:
            text = f"changed the due date to {after}" if after else "removed the due date"
            return [("due_date_changed", text, {"new_dates": {"start_on": None, "due_at": None, "due_on": after}})]
        if kind is EventKind.TITLE:
            return [("name_changed", f'changed the name to "{after}"', {"old_name": before or "", "new_name": after})]
        if kind is EventKind.LABELS:
            old, new = set(parse_labels(before)), set(parse_labels(after))
            added = [("added_to_tag", f"added to {t}", {"tag": catalog.tag(t)}) for t in sorted(new - old)]
            removed = [("removed_from_tag", f"removed from {t}", {"tag": catalog.tag(t)}) for t in sorted(old - new)]
            return added + removed
        return []

    def _status_parts(self, team: int, before: str | None, after: str | None) -> list[tuple[str, str, dict[str, Any]]]:
        catalog = self.catalog
        workflow = catalog.teams[team].workflow
        project = catalog.project(team)
        sections = catalog.sections(team)
        new = workflow.by_name(after or "")
        old = workflow.by_name(before or "")
        parts: list[tuple[str, str, dict[str, Any]]] = []
        if new is not None:
            extra: dict[str, Any] = {"new_section": sections[workflow.position(new.name)], "project": project}
            if old is not None:
                extra["old_section"] = sections[workflow.position(old.name)]
            text = f'moved this Task from "{before}" to "{after}" in {project["name"]}'
            parts.append(("section_changed", text, extra))
            was_closed = old is not None and catalog.is_closed(old.category)
            if catalog.is_closed(new.category) and not was_closed:
                parts.append(("marked_complete", "completed this task", {}))
            elif was_closed and not catalog.is_closed(new.category):
                parts.append(("marked_incomplete", "marked incomplete", {}))
        return parts

    def _estimate_part(self, before: str | None, after: str | None) -> tuple[str, str, dict[str, Any]]:
        field = self.catalog.estimate_field
        old = None if before is None else float(before)
        new = None if after is None else float(after)
        extra: dict[str, Any] = {"custom_field": field, "old_number_value": _integral(old)}
        if new is not None:
            extra["new_number_value"] = _integral(new)
        text = f'changed {field["name"]} to "{number_text(new)}"' if new is not None else f"cleared {field['name']}"
        return ("number_custom_field_changed", text, extra)


def _integral(value: float | None) -> int | float | None:
    return None if value is None else int(value) if value == int(value) else value
