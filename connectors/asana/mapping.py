"""Asana JSON -> Baton's normalised records. Pure: no HTTP, no SDK, no clock.

- A task's container is the project it was read through (its first membership when read alone); its
  sub-container and raw status are its section there.
- Its type comes from an enum custom field named like "Type" whose option names an item type; otherwise a
  task with a parent is a ``subtask`` and the rest are ``task``.
- Its estimate is the number custom field discovery chose (:func:`choose_estimate_field`).
- ``version`` is the modification time in milliseconds, then the newest story's gid (both zero-padded), so
  it sorts the way Asana's changes happened.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

from connectors.asana.history import History
from connectors.asana.timefmt import parse_date, parse_time
from connectors.asana.vocabulary import vendor_category
from connectors.config import StatusClassifier, vendor_category_only
from connectors.records import ContainerIn, LinkIn, PersonIn, StatusIn, WorkItemIn
from models.enums import ContainerKind, ItemType, LinkOrigin, StatusCategory

__all__ = [
    "DESCRIPTION_LIMIT",
    "TASK_FIELDS",
    "choose_estimate_field",
    "find_mentions",
    "map_person",
    "map_project",
    "map_section",
    "map_task",
    "section_status",
    "task_version",
]

TASK_FIELDS = (
    "name",
    "resource_subtype",
    "completed",
    "completed_at",
    "created_at",
    "modified_at",
    "due_on",
    "due_at",
    "assignee.email",
    "created_by.gid",
    "memberships.project.gid",
    "memberships.section.name",
    "parent.gid",
    "custom_fields.gid",
    "custom_fields.name",
    "custom_fields.resource_subtype",
    "custom_fields.number_value",
    "custom_fields.enum_value.name",
    "tags.name",
    "permalink_url",
    "notes",
    "num_subtasks",
    "dependencies.gid",
)
"""The ``opt_fields`` of a task read (listing or single): everything the mapping uses, nothing more."""

DESCRIPTION_LIMIT = 4_000
_ESTIMATE_NAMES = ("story points", "story point", "points", "estimate", "estimation", "sp", "effort", "size")
_TYPE_FIELD_NAMES = frozenset({"type", "issue type", "task type", "work type", "item type"})
_TYPE_NAMES = {t.value: t for t in ItemType} | {"user story": ItemType.STORY, "sub-task": ItemType.SUBTASK}
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

_JIRA_URL = re.compile(r"https?://[^\s/]+/browse/([A-Z][A-Z0-9_]+-\d+)")
_JIRA_KEY = re.compile(r"(?<![\w/-])([A-Z][A-Z0-9_]{1,9}-\d+)(?![\w-])")
_TRELLO_URL = re.compile(r"https?://trello\.com/c/[A-Za-z0-9]{8}(?:/[^\s)\]>]*)?")


def _gid(value: Any) -> str | None:
    return str(value["gid"]) if isinstance(value, Mapping) and value.get("gid") is not None else None


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return parse_time(value)
    except ValueError:
        return None


def map_person(user: Mapping[str, Any], bots: frozenset[str] = frozenset()) -> PersonIn:
    """An Asana user (``opt_fields=email,name``)."""
    gid = str(user["gid"])
    email = user.get("email")
    return PersonIn(
        external_id=gid,
        display_name=str(user.get("name") or email or gid),
        email=str(email).lower() if email else None,
        is_bot=gid in bots,
    )


def map_project(project: Mapping[str, Any]) -> ContainerIn:
    """A project: Baton's primary container for Asana."""
    return ContainerIn(
        kind=ContainerKind.PROJECT,
        external_id=str(project["gid"]),
        name=str(project.get("name") or project["gid"]),
        url=project.get("permalink_url"),
    )


def map_section(section: Mapping[str, Any], project_gid: str) -> ContainerIn:
    """A section: a sub-container of its project."""
    return ContainerIn(
        kind=ContainerKind.SECTION,
        external_id=str(section["gid"]),
        name=str(section.get("name") or section["gid"]),
        parent_external_id=project_gid,
    )


def section_status(section_name: str, project_gid: str, classify: StatusClassifier) -> StatusIn:
    """A section as a status: the built-in vocabulary as the vendor category, the classifier's verdict."""
    vendor = vendor_category(section_name, completed=False)
    return StatusIn(
        raw=section_name,
        category=classify(section_name, vendor, project_gid),
        vendor_category=str(vendor) if vendor is not None else None,
        container_external_id=project_gid,
    )


def choose_estimate_field(settings: Iterable[Mapping[str, Any]]) -> str | None:
    """The gid of the number custom field that holds estimates: a known name first, else the only number field."""
    numbers: list[tuple[str, str]] = []
    for setting in settings:
        field = setting.get("custom_field") if "custom_field" in setting else setting
        if not isinstance(field, Mapping):
            continue
        subtype = field.get("resource_subtype") or field.get("type")
        if subtype == "number" and field.get("gid"):
            numbers.append((str(field["gid"]), " ".join(str(field.get("name") or "").lower().split())))
    for wanted in _ESTIMATE_NAMES:
        for gid, name in numbers:
            if name == wanted or name.startswith(wanted + " ") or name.endswith(" " + wanted):
                return gid
    return numbers[0][0] if len(numbers) == 1 else None


def find_mentions(*texts: str | None) -> tuple[LinkIn, ...]:
    """Jira keys (bare, bracketed or in a ``/browse/`` URL) and Trello card URLs mentioned in the texts."""
    found: dict[str, LinkIn] = {}
    for text in texts:
        if not text:
            continue
        for match in _JIRA_URL.finditer(text):
            found.setdefault(match.group(1), LinkIn(match.group(1), "mentions", LinkOrigin.MENTION))
        for match in _JIRA_KEY.finditer(_JIRA_URL.sub(" ", text)):
            found.setdefault(match.group(1), LinkIn(match.group(1), "mentions", LinkOrigin.MENTION))
        for match in _TRELLO_URL.finditer(text):
            url = match.group(0).rstrip(".,;")
            found.setdefault(url, LinkIn(url, "mentions", LinkOrigin.MENTION))
    return tuple(found.values())


def task_version(updated_at: datetime, latest_story: str | None) -> str:
    """A sortable version: modification time in ms, then the newest story gid, both zero-padded."""
    millis = int(updated_at.timestamp() * 1000)
    return f"{millis:015d}.{(latest_story or '0'):0>20}"


def _membership(task: Mapping[str, Any], project_gid: str | None) -> tuple[str | None, Mapping[str, Any] | None]:
    memberships = [m for m in task.get("memberships") or () if isinstance(m, Mapping)]
    chosen = next((m for m in memberships if _gid(m.get("project")) == project_gid), None) if project_gid else None
    if chosen is None and memberships:
        chosen = next((m for m in memberships if _gid(m.get("project"))), memberships[0])
    if chosen is None:
        return project_gid, None
    section = chosen.get("section")
    return _gid(chosen.get("project")) or project_gid, section if isinstance(section, Mapping) else None


def _custom_fields(task: Mapping[str, Any]) -> Sequence[Mapping[str, Any]]:
    return [f for f in task.get("custom_fields") or () if isinstance(f, Mapping)]


def _estimate(task: Mapping[str, Any], estimate_field: str | None) -> float | None:
    if estimate_field is None:
        return None
    for field in _custom_fields(task):
        if str(field.get("gid")) == estimate_field:
            value = field.get("number_value")
            if isinstance(value, int | float) and not isinstance(value, bool):
                return float(value)
    return None


def _item_type(task: Mapping[str, Any]) -> ItemType:
    for field in _custom_fields(task):
        name = " ".join(str(field.get("name") or "").lower().split())
        option = field.get("enum_value")
        if name in _TYPE_FIELD_NAMES and isinstance(option, Mapping):
            found = _TYPE_NAMES.get(" ".join(str(option.get("name") or "").lower().split()))
            if found is not None:
                return found
    return ItemType.SUBTASK if _gid(task.get("parent")) else ItemType.TASK


def _due(task: Mapping[str, Any]) -> date | None:
    due_on = task.get("due_on")
    if isinstance(due_on, str) and due_on:
        try:
            return parse_date(due_on)
        except ValueError:
            return None
    due_at = _time(task.get("due_at"))
    return due_at.date() if due_at is not None else None


def _trimmed_raw(task: Mapping[str, Any]) -> dict[str, Any]:
    keep = ("gid", "resource_subtype", "completed", "num_subtasks", "permalink_url")
    raw: dict[str, Any] = {k: task[k] for k in keep if k in task}
    raw["custom_fields"] = {
        str(f.get("name")): f.get("number_value") if "number_value" in f else (f.get("enum_value") or {}).get("name")
        for f in _custom_fields(task)
    }
    return raw


def map_task(
    task: Mapping[str, Any],
    *,
    project_gid: str | None,
    estimate_field: str | None,
    history: History | None = None,
    classify: StatusClassifier = vendor_category_only,
    bots: frozenset[str] = frozenset(),
) -> WorkItemIn:
    """A task read with :data:`TASK_FIELDS` (and its folded stories) as a work item."""
    gid = str(task["gid"])
    history = history or History()
    container, section = _membership(task, project_gid)
    section_name = str(section.get("name") or "") if section else ""
    completed = bool(task.get("completed"))
    vendor = vendor_category(section_name, completed)
    category = classify(section_name, vendor, container) if section_name or vendor else StatusCategory.UNKNOWN
    created_at = _time(task.get("created_at"))
    updated_at = _time(task.get("modified_at")) or created_at or _EPOCH
    assignee = task.get("assignee")
    notes = task.get("notes")
    description = str(notes)[:DESCRIPTION_LIMIT] if isinstance(notes, str) and notes else None
    dependencies = tuple(
        LinkIn(gid_, "depends_on", LinkOrigin.EXPLICIT)
        for gid_ in (_gid(d) for d in task.get("dependencies") or ())
        if gid_ is not None
    )
    creator = _gid(task.get("created_by"))
    return WorkItemIn(
        external_id=gid,
        title=str(task.get("name") or ""),
        type=_item_type(task),
        status_raw=section_name,
        status_category=category,
        created_at=created_at,
        updated_at=updated_at,
        version=task_version(updated_at, history.latest_story_gid),
        description=description,
        assignee_external_id=_gid(assignee),
        reporter_external_id=creator,
        labels=tuple(
            sorted({str(t["name"]) for t in task.get("tags") or () if isinstance(t, Mapping) and t.get("name")})
        ),
        estimate=_estimate(task, estimate_field),
        due=_due(task),
        container_external_id=container,
        subcontainer_external_id=_gid(section),
        parent_external_id=_gid(task.get("parent")),
        url=task.get("permalink_url"),
        resolved_at=_time(task.get("completed_at")) if completed else None,
        last_activity_at=history.last_activity_at or (created_at if creator not in bots else None),
        raw=_trimmed_raw(task),
        transitions=history.transitions,
        links=dependencies + find_mentions(str(task.get("name") or ""), description),
    )
