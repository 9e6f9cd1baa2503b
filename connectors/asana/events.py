"""What a page of Asana events means for the store: which tasks to re-read, which are gone. Pure.

Events name tasks directly (``added``, ``changed``, ``removed``, ``deleted``, ``undeleted``) or through a
story's ``parent``. Only the last word on each task counts: a task whose last event is ``deleted`` is gone
(no read needed); every other touched task is re-read, and a 404 then also means gone. ``undeleted`` is
therefore a plain re-read, which revives the tombstoned row.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["EventEffects", "effects_of_events"]


@dataclass(frozen=True)
class EventEffects:
    """Tasks to re-read and tasks deleted, in first-seen order."""

    reread: tuple[str, ...] = ()
    deleted: tuple[str, ...] = ()


def _task_gid(event: Mapping[str, Any]) -> str | None:
    resource = event.get("resource")
    if not isinstance(resource, Mapping):
        return None
    if resource.get("resource_type") == "task" and resource.get("gid"):
        return str(resource["gid"])
    parent = event.get("parent")
    story = resource.get("resource_type") == "story" and isinstance(parent, Mapping)
    if story and isinstance(parent, Mapping) and parent.get("resource_type") == "task" and parent.get("gid"):
        return str(parent["gid"])
    return None


def effects_of_events(events: Iterable[Mapping[str, Any]]) -> EventEffects:
    """Fold events (oldest first, as Asana sends them) into re-reads and deletions."""
    last: dict[str, bool] = {}  # gid -> deleted by its last event
    for event in events:
        gid = _task_gid(event)
        if gid is None:
            continue
        is_task = (event.get("resource") or {}).get("resource_type") == "task"
        deleted = is_task and event.get("action") == "deleted"
        last[gid] = deleted
    return EventEffects(
        reread=tuple(gid for gid, deleted in last.items() if not deleted),
        deleted=tuple(gid for gid, deleted in last.items() if deleted),
    )
