"""Issue writes as store events: field edits, transitions (with Jira's resolution handling) and creation."""

from __future__ import annotations

from typing import Any

from emulators.jira.errors import JiraApiError
from emulators.jira.formats import adf_text
from emulators.jira.site import JiraSite
from emulators.org.model import EventKind, Item, ItemType, Status, StatusCategory
from emulators.org.timeline import encode_estimate, encode_labels, parse_labels
from emulators.store import ItemStore, NewItem

__all__ = ["apply_field_edits", "apply_label_updates", "create_issue", "transition"]

_AT_CREATION = frozenset({EventKind.ASSIGNEE, EventKind.ESTIMATE, EventKind.LABELS})
CANNOT_SET = "Field '{}' cannot be set. It is not on the appropriate screen, or unknown."


def _account(site: JiraSite, value: Any, field: str) -> str | None:
    if value is None:
        return None
    account_id = value.get("accountId") if isinstance(value, dict) else None
    person = site.person_of(str(account_id)) if account_id else None
    if person is None:
        raise JiraApiError(
            400, [], {field: f"Specified user does not exist or you do not have required permissions: {account_id}"}
        )
    return str(person)


def field_edits(
    site: JiraSite, fields: dict[str, Any], *, creating: bool = False
) -> list[tuple[EventKind, str | None]]:
    """Translate a `fields` object into store events; Jira's 400 for fields the emulator cannot set."""
    custom = site.fields
    changes: list[tuple[EventKind, str | None]] = []
    errors: dict[str, str] = {}
    for field, value in fields.items():
        if field == "summary":
            if not isinstance(value, str) or not value.strip():
                errors["summary"] = "You must specify a summary of the issue."
            else:
                changes.append((EventKind.TITLE, value))
        elif field == "labels":
            if not isinstance(value, list) or not all(isinstance(v, str) and " " not in v for v in value):
                errors["labels"] = "Labels must be a list of strings without spaces."
            else:
                changes.append((EventKind.LABELS, encode_labels(tuple(value))))
        elif field == "duedate":
            changes.append((EventKind.DUE, value or None))
        elif field == "assignee":
            changes.append((EventKind.ASSIGNEE, _account(site, value, "assignee")))
        elif field == custom.story_points:
            if value is not None and not isinstance(value, int | float):
                errors[field] = "Operation value must be a number"
            else:
                changes.append((EventKind.ESTIMATE, encode_estimate(None if value is None else float(value))))
        elif field == custom.sprint:
            if value is not None and (not isinstance(value, int) or site.sprint(value) is None):
                errors[field] = "Sprint with id does not exist"
            else:
                changes.append((EventKind.SPRINT, None if value is None else str(value)))
        elif field == custom.flagged:
            changes.append((EventKind.FLAG, "true" if value else None))
        elif field == "resolution":
            name = value.get("name") if isinstance(value, dict) else None
            changes.append((EventKind.RESOLUTION, name))
        elif creating and field in ("project", "issuetype", "parent", "description", "reporter"):
            continue
        else:
            errors[field] = CANNOT_SET.format(field)
    if errors:
        raise JiraApiError(400, [], errors)
    return changes


def apply_field_edits(store: ItemStore, site: JiraSite, item: Item, fields: dict[str, Any]) -> Item:
    """Apply an edit's `fields` as the API user."""
    for kind, value in field_edits(site, fields):
        item = store.apply(item.index, kind, value, site.api_person)
    return item


def apply_label_updates(store: ItemStore, site: JiraSite, item: Item, operations: list[Any]) -> Item:
    """`update: {labels: [{add: x}, {remove: y}, {set: [...]}]}`."""
    labels = set(item.labels)
    for operation in operations:
        if not isinstance(operation, dict):
            raise JiraApiError(400, [], {"labels": "Invalid update operation"})
        if "set" in operation:
            labels = set(operation["set"] or [])
        if "add" in operation:
            labels.add(str(operation["add"]))
        if "remove" in operation:
            labels.discard(str(operation["remove"]))
    return store.apply(item.index, EventKind.LABELS, encode_labels(tuple(labels)), site.api_person)


def transition(store: ItemStore, site: JiraSite, item: Item, target: Status, fields: dict[str, Any]) -> Item:
    """Move to `target`; done and cancelled statuses get a resolution, reopening clears it."""
    author = site.api_person
    item = store.apply(item.index, EventKind.STATUS, target.name, author)
    explicit = fields.get("resolution")
    if isinstance(explicit, dict) and explicit.get("name"):
        return store.apply(item.index, EventKind.RESOLUTION, str(explicit["name"]), author)
    if target.category is StatusCategory.DONE and item.resolution is None:
        return store.apply(item.index, EventKind.RESOLUTION, "Done", author)
    if target.category is StatusCategory.CANCELLED and item.resolution is None:
        return store.apply(item.index, EventKind.RESOLUTION, "Won't Do", author)
    if target.category.is_open and item.resolution is not None:
        return store.apply(item.index, EventKind.RESOLUTION, None, author)
    return item


def create_issue(store: ItemStore, site: JiraSite, fields: dict[str, Any], lookup: Any) -> Item:
    """Create an issue from a create body's `fields`; `lookup(id_or_key)` finds a parent."""
    errors: dict[str, str] = {}
    project = fields.get("project") or {}
    team = None
    if isinstance(project, dict):
        team = site.team_by_key_or_id(str(project.get("key") or project.get("id") or ""))
    if team is None:
        errors["project"] = "Specify a valid project ID or key"
    issue_type_value = fields.get("issuetype") or {}
    item_type = None
    if isinstance(issue_type_value, dict):
        item_type = site.find_issue_type(str(issue_type_value.get("id") or issue_type_value.get("name") or ""))
    if item_type is None:
        errors["issuetype"] = "Specify an issue type"
    summary = fields.get("summary")
    if not isinstance(summary, str) or not summary.strip():
        errors["summary"] = "You must specify a summary of the issue."
    parent_value = fields.get("parent")
    parent: Item | None = None
    if isinstance(parent_value, dict):
        parent = lookup(str(parent_value.get("key") or parent_value.get("id") or ""))
    if item_type is ItemType.SUBTASK and parent is None:
        errors["parent"] = "Given parent work item does not belong to appropriate hierarchy."
    if errors:
        raise JiraApiError(400, [], errors)
    assert team is not None
    assert item_type is not None
    assert isinstance(summary, str)
    extras = {
        k: v
        for k, v in fields.items()
        if k not in ("project", "issuetype", "summary", "parent", "description", "reporter")
    }
    changes = field_edits(site, extras, creating=True)
    reporter_value = fields.get("reporter")
    reporter = int(_account(site, reporter_value, "reporter") or site.api_person) if reporter_value else site.api_person
    initial = {kind: value for kind, value in changes if kind in _AT_CREATION}
    assignee = initial.get(EventKind.ASSIGNEE)
    estimate = initial.get(EventKind.ESTIMATE)
    item = store.create(
        NewItem(
            team=team.index,
            title=summary,
            type=item_type,
            description=adf_text(fields.get("description")),
            assignee=None if assignee is None else int(assignee),
            reporter=reporter,
            labels=parse_labels(initial.get(EventKind.LABELS)),
            estimate=None if estimate is None else float(estimate),
            parent=None if parent is None else parent.index,
        )
    )
    for kind, value in changes:
        if kind not in _AT_CREATION:
            item = store.apply(item.index, kind, value, site.api_person)
    return item
