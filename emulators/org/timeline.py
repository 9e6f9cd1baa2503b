"""Fold history events into item state: the one path both generation and API writes go through."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date
from typing import Any

from emulators.org.model import Event, EventKind, Item, StatusCategory, Workflow

__all__ = ["ItemBuilder", "apply_event", "encode_estimate", "encode_labels", "parse_labels"]


def encode_estimate(points: float | None) -> str | None:
    """Story points as an event value ("3", "0.5")."""
    return None if points is None else f"{points:g}"


def encode_labels(labels: tuple[str, ...]) -> str:
    """Labels as an event value (comma separated, sorted)."""
    return ",".join(sorted(labels))


def parse_labels(value: str | None) -> tuple[str, ...]:
    """Inverse of encode_labels."""
    return tuple(sorted(v for v in (value or "").split(",") if v))


_FIELDS = tuple(f.name for f in dataclasses.fields(Item))


def apply_event(item: Item, event: Event, workflow: Workflow, *, human: bool) -> Item:
    """Return the item after `event`; human events also move `last_activity_at`."""
    state = {name: getattr(item, name) for name in _FIELDS}
    _fold(state, event, workflow, human=human)
    return Item(**state)


def _fold(state: dict[str, Any], event: Event, workflow: Workflow, *, human: bool) -> None:
    """Apply one event to an item's fields held in a dict (the fast path of a whole history)."""
    state["updated_at"] = max(state["updated_at"], event.at)
    if human:
        state["last_activity_at"] = max(state["last_activity_at"], event.at)
    kind, value = event.kind, event.after
    if kind is EventKind.STATUS and value is not None:
        status = workflow.by_name(value)
        category = status.category if status else StatusCategory.TODO
        state["status"] = value
        state["status_category"] = category
        state["resolved_at"] = None if category.is_open else event.at
    elif kind is EventKind.ASSIGNEE:
        state["assignee"] = None if value is None else int(value)
    elif kind is EventKind.ESTIMATE:
        state["estimate"] = None if value is None else float(value)
    elif kind is EventKind.SPRINT:
        state["sprint"] = None if value is None else int(value)
    elif kind is EventKind.LABELS:
        state["labels"] = parse_labels(value)
    elif kind is EventKind.FLAG:
        state["flagged"] = value == "true"
    elif kind is EventKind.RESOLUTION:
        state["resolution"] = value
    elif kind is EventKind.DUE:
        state["due"] = None if value is None else date.fromisoformat(value)
    elif kind is EventKind.TITLE and value is not None:
        state["title"] = value
    elif kind is EventKind.DELETED:
        state["deleted"] = True
    elif kind is EventKind.ARCHIVED:
        state["archived"] = value == "true"
    elif kind is EventKind.DESCRIPTION:
        state["description"] = value or ""


def _current(state: dict[str, Any], kind: EventKind) -> str | None:
    """current_value over a field dict."""
    if kind is EventKind.STATUS:
        return str(state["status"])
    if kind is EventKind.ASSIGNEE:
        return None if state["assignee"] is None else str(state["assignee"])
    if kind is EventKind.ESTIMATE:
        return encode_estimate(state["estimate"])
    if kind is EventKind.SPRINT:
        return None if state["sprint"] is None else str(state["sprint"])
    if kind is EventKind.LABELS:
        return encode_labels(state["labels"])
    if kind is EventKind.FLAG:
        return "true" if state["flagged"] else None
    if kind is EventKind.RESOLUTION:
        return state["resolution"]  # type: ignore[no-any-return]
    if kind is EventKind.DUE:
        return None if state["due"] is None else str(state["due"].isoformat())
    if kind is EventKind.TITLE:
        return str(state["title"])
    if kind is EventKind.ARCHIVED:
        return _encode_archived(state["archived"])
    if kind is EventKind.DESCRIPTION:
        return str(state["description"])
    return None


def _encode_archived(archived: bool | None) -> str | None:
    """An explicit archive state as an event value ("true" / "false"), None when never set."""
    return None if archived is None else "true" if archived else "false"


def current_value(item: Item, kind: EventKind) -> str | None:
    """The event-encoded value of the field an event kind changes (the `before` of the next such event)."""
    if kind is EventKind.STATUS:
        return item.status
    if kind is EventKind.ASSIGNEE:
        return None if item.assignee is None else str(item.assignee)
    if kind is EventKind.ESTIMATE:
        return encode_estimate(item.estimate)
    if kind is EventKind.SPRINT:
        return None if item.sprint is None else str(item.sprint)
    if kind is EventKind.LABELS:
        return encode_labels(item.labels)
    if kind is EventKind.FLAG:
        return "true" if item.flagged else None
    if kind is EventKind.RESOLUTION:
        return item.resolution
    if kind is EventKind.DUE:
        return None if item.due is None else item.due.isoformat()
    if kind is EventKind.TITLE:
        return item.title
    if kind is EventKind.ARCHIVED:
        return _encode_archived(item.archived)
    if kind is EventKind.DESCRIPTION:
        return item.description
    return None


class ItemBuilder:
    """Collects timed changes in any order, then folds them oldest first into (item, events)."""

    def __init__(self, initial: Item, workflow: Workflow, is_bot: Callable[[int], bool]) -> None:
        self._initial = initial
        self._workflow = workflow
        self._is_bot = is_bot
        self._changes: list[tuple[float, int, int, EventKind, str | None]] = []

    def change(self, at: float, author: int, kind: EventKind, value: str | None = None) -> None:
        """Record a change at `at` by `author` setting the field of `kind` to `value` (a comment's text)."""
        self._changes.append((at, len(self._changes), author, kind, value))

    def build(self) -> tuple[Item, tuple[Event, ...]]:
        """Fold the changes (CREATED first) and return the final item and its numbered events."""
        initial = self._initial
        state = {name: getattr(initial, name) for name in _FIELDS}
        events = [Event(0, initial.created_at, initial.reporter, EventKind.CREATED, None, initial.status)]
        for at, _, author, kind, value in sorted(self._changes):
            before = _current(state, kind)
            if kind not in (EventKind.COMMENT, EventKind.DELETED) and before == value:
                continue
            event = Event(len(events), at, author, kind, before, value)
            _fold(state, event, self._workflow, human=not self._is_bot(author))
            events.append(event)
        return Item(**state), tuple(events)
