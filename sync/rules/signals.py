"""Facts derived from an item's history that several rules share (pure functions)."""

from __future__ import annotations

import re
from datetime import datetime

from core.policy.status_mapping import normalise_status
from models.enums import StatusCategory
from sync.rule_inputs import RuleItem, is_open
from sync.rules.base import RuleContext

__all__ = [
    "BLOCKING_LINK_TYPES",
    "blocked_since",
    "category_at",
    "ever_in_progress",
    "in_progress_spell_start",
    "visited_statuses",
]

# Link types that mean "this item waits for the target" (Jira "is blocked by", Asana dependencies).
BLOCKING_LINK_TYPES = frozenset({"is_blocked_by", "is blocked by", "blocked_by", "depends_on", "dependency"})
_LABEL_SPLIT = re.compile(r"[,\s]+")


def category_at(item: RuleItem, moment: datetime) -> StatusCategory | None:
    """The item's status category just before ``moment`` (None when it did not exist yet)."""
    if item.created_at is not None and item.created_at >= moment:
        return None
    current: StatusCategory | None = None
    first = True
    for change in item.status_changes():
        if first:
            current = change.from_category
            first = False
        if change.at >= moment:
            return current if current is not None else change.from_category
        current = change.to_category
    return current if not first else item.status_category


def in_progress_spell_start(item: RuleItem) -> datetime | None:
    """When the item last entered the in-progress category (its creation when it was born there)."""
    start: datetime | None = None
    previous: StatusCategory | None = None
    seen = False
    for change in item.status_changes():
        if not seen:
            previous, seen = change.from_category, True
        if change.to_category is StatusCategory.IN_PROGRESS and previous is not StatusCategory.IN_PROGRESS:
            start = change.at
        previous = change.to_category
    if start is None and item.status_category is StatusCategory.IN_PROGRESS:
        return item.created_at
    return start


def ever_in_progress(item: RuleItem) -> bool:
    """Whether the item ever had an in-progress status."""
    return item.status_category is StatusCategory.IN_PROGRESS or any(
        change.to_category is StatusCategory.IN_PROGRESS or change.from_category is StatusCategory.IN_PROGRESS
        for change in item.status_changes()
    )


def visited_statuses(item: RuleItem) -> set[str]:
    """Every raw status the item had, normalised (case and spaces ignored)."""
    visited = {normalise_status(item.status_raw)}
    for change in item.status_changes():
        for value in (change.from_value, change.to_value):
            if value:
                visited.add(normalise_status(value))
    return visited


def _labels(value: str | None) -> set[str]:
    return {label.casefold() for label in _LABEL_SPLIT.split(value or "") if label}


def _label_since(item: RuleItem, wanted: set[str]) -> datetime | None:
    """Since when a blocking label has been on the item continuously (its creation if no change says).

    A label change may carry the whole label set before and after (Jira) or only the label added or removed
    (Trello, Asana): only a change that adds or removes a blocking label moves the start.
    """
    if not wanted & {label.casefold() for label in item.labels}:
        return None
    since: datetime | None = None
    for change in item.history:
        if change.field not in ("labels", "label"):
            continue
        before, after = bool(wanted & _labels(change.from_value)), bool(wanted & _labels(change.to_value))
        if after and not before:
            since = change.at
        elif before and not after:
            since = None
    return since or item.created_at


def blocked_since(item: RuleItem, ctx: RuleContext, labels: list[str]) -> datetime | None:
    """Since when the open item is blocked (the earliest current signal), or None when it is not blocked."""
    if not is_open(item.status_category):
        return None
    starts: list[datetime] = []
    if ctx.status_mapping.is_blocked(item.status_raw, team=item.team, connection=item.connection):
        entered = [
            c.at
            for c in item.status_changes()
            if normalise_status(c.to_value or "") == normalise_status(item.status_raw)
        ]
        start = entered[-1] if entered else item.created_at
        if start is not None:
            starts.append(start)
    if item.flagged:
        flags = [
            c.at
            for c in item.history
            if c.field in ("flag", "flagged") and (c.to_value or "").lower() not in ("", "false", "none")
        ]
        start = flags[-1] if flags else item.updated_at
        if start is not None:
            starts.append(start)
    label_start = _label_since(item, {label.casefold() for label in labels})
    if label_start is not None:
        starts.append(label_start)
    for link in item.links:
        blocking = link.link_type.casefold() in BLOCKING_LINK_TYPES
        if blocking and link.target_category is not None and is_open(link.target_category):
            starts.append(link.created_at)
    return min(starts) if starts else None
