"""Pure functions from Jira Cloud JSON (platform v3, Agile 1.0) to :mod:`connectors.records`.

Nothing here does I/O or reads a clock. A malformed issue raises :class:`IssueMappingError` (the puller
retries its page, then quarantines the issue); an unknown status never raises: it maps to ``unknown``.

Status categories (Jira's ``statusCategory.key`` first, then the policy's overrides via ``classify``):

- ``new`` → ``todo``, or ``backlog`` when the status is named like a backlog ("Backlog", "Product Backlog");
- ``indeterminate`` → ``in_progress``;
- ``done`` → ``done``, or ``cancelled`` when the status or the resolution reads as abandoned work
  ("Won't Do", "Won't Fix", "Cancelled", "Rejected", "Declined", "Duplicate", "Obsolete", …);
- ``undefined`` or anything else → no vendor category, so ``unknown`` unless the policy maps it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any

from connectors.config import StatusClassifier, vendor_category_only
from connectors.records import (
    ContainerIn,
    LinkIn,
    PersonIn,
    SprintIn,
    SprintMembershipIn,
    StatusIn,
    TransitionIn,
    WorkItemIn,
)
from models.enums import ContainerKind, ItemType, LinkOrigin, SprintState, StatusCategory

__all__ = [
    "ESTIMATE_PLUGINS",
    "SPRINT_PLUGIN",
    "IssueMappingError",
    "JiraSchema",
    "SprintRef",
    "adf_text",
    "category_of",
    "epic_parent_of",
    "find_custom_field",
    "find_estimate_field",
    "format_jql_time",
    "is_cancelled_name",
    "issue_version",
    "map_board",
    "map_changelog",
    "map_comments",
    "map_issue",
    "map_project",
    "map_sprint",
    "map_status",
    "map_user",
    "mentions_in",
    "parse_jira_date",
    "parse_jira_time",
    "parse_sprint_value",
    "projects_jql",
    "search_jql",
    "sprint_memberships",
    "trim_raw",
    "updated_since_clause",
]

SPRINT_PLUGIN = "com.pyxis.greenhopper.jira:gh-sprint"
ESTIMATE_PLUGINS = ("com.pyxis.greenhopper.jira:jsw-story-points",)
_ESTIMATE_NAMES = frozenset({"story points", "story point estimate"})
_FLAGGED_NAMES = frozenset({"flagged"})
_CANCELLED_WORDS = (
    "won't do",
    "wont do",
    "won't fix",
    "wont fix",
    "cancelled",
    "canceled",
    "rejected",
    "declined",
    "duplicate",
    "obsolete",
    "abandoned",
    "cannot reproduce",
)
_BACKLOG_NAMES = frozenset({"backlog", "product backlog", "icebox"})
_TYPE_BY_NAME = {
    "epic": ItemType.EPIC,
    "story": ItemType.STORY,
    "user story": ItemType.STORY,
    "task": ItemType.TASK,
    "bug": ItemType.BUG,
    "defect": ItemType.BUG,
    "subtask": ItemType.SUBTASK,
    "sub-task": ItemType.SUBTASK,
}
_SPRINT_STATES = {"active": SprintState.ACTIVE, "future": SprintState.FUTURE, "closed": SprintState.CLOSED}
# Links to the other tools Baton reads, mentioned in text: Trello cards and boards, Asana tasks.
_MENTION = re.compile(
    r"https?://(?:www\.)?(?:trello\.com/[cb]/[A-Za-z0-9]+|app\.asana\.com/\d+/\d+/(?:task/)?\d+)[^\s)\]>\"']*"
)
_LEGACY_SPRINT = re.compile(r"(\w+)=([^,\]]*)")
_DESCRIPTION_LIMIT = 20_000


class IssueMappingError(ValueError):
    """An issue's JSON does not have the shape Baton needs (it is quarantined after a retry)."""


@dataclass(frozen=True)
class JiraSchema:
    """What discovery learnt about the site, as mapping needs it."""

    site_url: str
    estimate_field: str | None = None
    sprint_field: str | None = None
    flagged_field: str | None = None
    category_by_status_id: Mapping[str, str] = field(default_factory=dict)
    category_by_status_name: Mapping[str, str] = field(default_factory=dict)
    classify: StatusClassifier = vendor_category_only

    def fields_to_request(self) -> list[str]:
        """The issue fields a pull asks for."""
        wanted = [
            "summary",
            "description",
            "status",
            "issuetype",
            "assignee",
            "reporter",
            "labels",
            "priority",
            "duedate",
            "created",
            "updated",
            "resolutiondate",
            "resolution",
            "parent",
            "project",
            "issuelinks",
            "comment",
        ]
        return wanted + [f for f in (self.estimate_field, self.sprint_field, self.flagged_field) if f]


@dataclass(frozen=True)
class SprintRef:
    """A sprint as an issue's Sprint field shows it."""

    external_id: str
    name: str
    state: SprintState | None
    board_external_id: str | None
    start_at: datetime | None
    end_at: datetime | None
    complete_at: datetime | None
    goal: str | None

    def as_record(self) -> SprintIn:
        """The sprint as a discovery record (state defaults to closed-unknown as future)."""
        return SprintIn(
            external_id=self.external_id,
            name=self.name,
            state=self.state or SprintState.FUTURE,
            board_external_id=self.board_external_id,
            goal=self.goal,
            start_at=self.start_at,
            end_at=self.end_at,
            complete_at=self.complete_at,
        )


# ----- scalars ----------------------------------------------------------------------------------------------


def parse_jira_time(value: object) -> datetime:
    """A Jira timestamp (``2021-01-18T23:45:00.000+0000``, ``…+10:00``, ``…Z``) as an aware UTC datetime."""
    if not isinstance(value, str) or not value:
        raise IssueMappingError(f"not a Jira timestamp: {value!r}")
    text = value.strip()
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        try:
            moment = datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%f%z")
        except ValueError as error:
            raise IssueMappingError(f"not a Jira timestamp: {value!r}") from error
    if moment.tzinfo is None:
        raise IssueMappingError(f"Jira timestamp without an offset: {value!r}")
    return moment.astimezone(UTC)


def _optional_time(value: object) -> datetime | None:
    return None if value in (None, "") else parse_jira_time(value)


def parse_jira_date(value: object) -> date | None:
    """A date field (``YYYY-MM-DD``); ``None`` when empty."""
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise IssueMappingError(f"not a Jira date: {value!r}")
    try:
        return date.fromisoformat(value[:10])
    except ValueError as error:
        raise IssueMappingError(f"not a Jira date: {value!r}") from error


def adf_text(node: object) -> str:
    """The plain text of an Atlassian Document Format node (v3 rich text), or of a v2 plain string."""
    if node is None:
        return ""
    if isinstance(node, str):
        return node
    if isinstance(node, list):
        return "".join(adf_text(child) for child in node)
    if not isinstance(node, dict):
        return ""
    kind = node.get("type")
    if kind == "text":
        return str(node.get("text", ""))
    if kind == "hardBreak":
        return "\n"
    if kind in ("inlineCard", "blockCard", "embedCard"):
        return str((node.get("attrs") or {}).get("url", ""))
    inner = adf_text(node.get("content") or [])
    if kind == "mention":
        return str((node.get("attrs") or {}).get("text", ""))
    if kind == "doc":
        return "\n".join(adf_text(child) for child in node.get("content") or [])
    return inner


def _name(value: object) -> str | None:
    if isinstance(value, dict):
        name = value.get("name")
        return str(name) if name is not None else None
    return None


# ----- statuses ---------------------------------------------------------------------------------------------


def is_cancelled_name(name: str | None) -> bool:
    """Whether a status or resolution name reads as work that will not be done."""
    if not name:
        return False
    lowered = name.lower().replace("\u2019", "'")
    return any(word in lowered for word in _CANCELLED_WORDS)


def category_of(status_name: str, jira_category: str | None, resolution: str | None = None) -> StatusCategory | None:
    """Baton's reading of Jira's status category (see the module docstring); ``None`` when Jira gives none."""
    key = (jira_category or "").lower()
    if key == "new":
        return StatusCategory.BACKLOG if status_name.strip().lower() in _BACKLOG_NAMES else StatusCategory.TODO
    if key == "indeterminate":
        return StatusCategory.IN_PROGRESS
    if key == "done":
        cancelled = is_cancelled_name(status_name) or is_cancelled_name(resolution)
        return StatusCategory.CANCELLED if cancelled else StatusCategory.DONE
    return None


def map_status(raw: Mapping[str, Any], classify: StatusClassifier, container: str | None) -> StatusIn:
    """A status from ``/status`` (or a board column) with Baton's category for it."""
    name = str(raw.get("name") or raw.get("untranslatedName") or raw.get("id") or "?")
    jira_category = (raw.get("statusCategory") or {}).get("key")
    vendor = category_of(name, jira_category)
    return StatusIn(
        raw=name,
        category=classify(name, vendor, container),
        vendor_category=jira_category,
        container_external_id=container,
    )


# ----- discovery objects ------------------------------------------------------------------------------------


def map_user(raw: object) -> PersonIn | None:
    """A Jira user (``None`` for an empty assignee or a user without an account id)."""
    if not isinstance(raw, dict) or not raw.get("accountId"):
        return None
    account_type = raw.get("accountType")
    return PersonIn(
        external_id=str(raw["accountId"]),
        display_name=str(raw.get("displayName") or raw["accountId"]),
        email=raw.get("emailAddress") or None,
        is_bot=account_type == "app",
    )


def map_project(raw: Mapping[str, Any], site_url: str) -> ContainerIn:
    """A project as ``project/search`` lists it."""
    key = str(raw["key"])
    return ContainerIn(
        kind=ContainerKind.PROJECT,
        external_id=str(raw["id"]),
        name=str(raw.get("name") or key),
        key=key,
        url=f"{site_url}/browse/{key}",
    )


def board_project_ref(raw: Mapping[str, Any]) -> str | None:
    """The project a board belongs to: its location's project id (or key when only the key is given)."""
    location = raw.get("location") or {}
    for name in ("projectId", "id", "projectKeyOrId", "projectKey", "key"):
        value = location.get(name)
        if value not in (None, ""):
            return str(value)
    return None


def map_board(raw: Mapping[str, Any], site_url: str, project_id_of: Mapping[str, str]) -> ContainerIn:
    """An Agile board, child of its project (``project_id_of`` turns a project key into its id)."""
    board_id = str(raw["id"])
    ref = board_project_ref(raw)
    parent = project_id_of.get(ref, ref) if ref else None
    return ContainerIn(
        kind=ContainerKind.BOARD,
        external_id=board_id,
        name=str(raw.get("name") or board_id),
        parent_external_id=parent,
        url=f"{site_url}/jira/software/c/boards/{board_id}",
    )


def map_sprint(raw: Mapping[str, Any], board_external_id: str | None = None) -> SprintIn:
    """A sprint from ``board/{id}/sprint``."""
    ref = parse_sprint_value(raw)
    if ref is None:
        raise IssueMappingError(f"not a sprint: {raw!r}")
    record = ref.as_record()
    board = str(raw.get("originBoardId") or board_external_id or "") or None
    return SprintIn(
        external_id=record.external_id,
        name=record.name,
        state=record.state,
        board_external_id=board,
        goal=record.goal,
        start_at=record.start_at,
        end_at=record.end_at,
        complete_at=record.complete_at,
    )


def find_custom_field(fields: Iterable[Mapping[str, Any]], plugins: Sequence[str]) -> str | None:
    """The id of the first field (in ``plugins`` order) whose ``schema.custom`` is one of ``plugins``."""
    by_plugin: dict[str, str] = {}
    for found in fields:
        custom = (found.get("schema") or {}).get("custom")
        if custom in plugins and custom not in by_plugin:
            by_plugin[str(custom)] = str(found["id"])
    return next((by_plugin[p] for p in plugins if p in by_plugin), None)


def find_named_field(fields: Iterable[Mapping[str, Any]], names: frozenset[str]) -> str | None:
    """The id of a custom field by its (case-insensitive) name."""
    return next(
        (str(f["id"]) for f in fields if f.get("custom") and str(f.get("name", "")).lower() in names),
        None,
    )


def find_estimate_field(fields: Sequence[Mapping[str, Any]], board_configs: Iterable[Mapping[str, Any]]) -> str | None:
    """The story-points field: the one boards estimate with, else the Jira Software field, else by name."""
    known = {str(f.get("id")) for f in fields}
    for config in board_configs:
        estimation = config.get("estimation") or {}
        field_id = (estimation.get("field") or {}).get("fieldId")
        if field_id and (field_id in known or not known):
            return str(field_id)
    return find_custom_field(fields, ESTIMATE_PLUGINS) or find_named_field(fields, _ESTIMATE_NAMES)


def find_flagged_field(fields: Iterable[Mapping[str, Any]]) -> str | None:
    """The Jira Software "Flagged" field."""
    return find_named_field(fields, _FLAGGED_NAMES)


# ----- sprints on issues ------------------------------------------------------------------------------------


def parse_sprint_value(value: object) -> SprintRef | None:
    """A Sprint-field entry: the Cloud object, or the legacy ``…Sprint@x[id=1,state=ACTIVE,…]`` string."""
    if isinstance(value, str):
        pairs = dict(_LEGACY_SPRINT.findall(value))
        if "id" not in pairs:
            return None
        value = {
            "id": pairs["id"],
            "name": pairs.get("name"),
            "state": pairs.get("state"),
            "boardId": pairs.get("rapidViewId"),
            "startDate": pairs.get("startDate"),
            "endDate": pairs.get("endDate"),
            "completeDate": pairs.get("completeDate"),
            "goal": pairs.get("goal"),
        }
    if not isinstance(value, dict) or value.get("id") in (None, ""):
        return None

    def moment(key: str) -> datetime | None:
        raw = value.get(key)
        if raw in (None, "", "<null>"):
            return None
        try:
            return parse_jira_time(raw)
        except IssueMappingError:
            return None

    board = value.get("boardId") or value.get("originBoardId")
    return SprintRef(
        external_id=str(value["id"]),
        name=str(value.get("name") or value["id"]),
        state=_SPRINT_STATES.get(str(value.get("state") or "").lower()),
        board_external_id=None if board in (None, "", "<null>") else str(board),
        start_at=moment("startDate"),
        end_at=moment("endDate"),
        complete_at=moment("completeDate"),
        goal=value.get("goal") or None,
    )


def current_sprint(sprints: Sequence[SprintRef]) -> SprintRef | None:
    """The sprint an issue is in now: the active one, else a future one, else the last closed one."""
    for state in (SprintState.ACTIVE, SprintState.FUTURE):
        found = [s for s in sprints if s.state is state]
        if found:
            return found[-1]
    if not sprints:
        return None
    epoch = datetime.min.replace(tzinfo=UTC)
    ordered = sorted(enumerate(sprints), key=lambda p: (p[1].complete_at or p[1].end_at or epoch, p[0]))
    return ordered[-1][1]


def _sprint_ids(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def sprint_memberships(
    in_field: Sequence[SprintRef], transitions: Sequence[TransitionIn], created_at: datetime | None
) -> tuple[SprintMembershipIn, ...]:
    """Stays in sprints: when each was entered (changelog, else creation) and left (only if no longer listed)."""
    added: dict[str, datetime | None] = {}
    removed: dict[str, datetime] = {}
    for change in sorted((t for t in transitions if t.field == "sprint"), key=lambda t: (t.changed_at, t.event_id)):
        before, after = set(_sprint_ids(change.from_value)), set(_sprint_ids(change.to_value))
        for sprint_id in after - before:
            added[sprint_id] = change.changed_at
            removed.pop(sprint_id, None)
        for sprint_id in before - after:
            added.setdefault(sprint_id, created_at)
            removed[sprint_id] = change.changed_at
    listed = {s.external_id for s in in_field}
    memberships = [
        SprintMembershipIn(sprint_external_id=s.external_id, added_at=added.get(s.external_id, created_at))
        for s in in_field
    ]
    memberships += [
        SprintMembershipIn(sprint_external_id=sprint_id, added_at=added[sprint_id], removed_at=removed[sprint_id])
        for sprint_id in sorted(removed)
        if sprint_id not in listed
    ]
    return tuple(memberships)


# ----- history ----------------------------------------------------------------------------------------------


def issue_version(histories: Iterable[Mapping[str, Any]]) -> str:
    """A sortable version: the latest changelog id, zero-padded (``""`` for an issue without history)."""
    latest = -1
    for history in histories:
        history_id = str(history.get("id", ""))
        if history_id.isdigit():
            latest = max(latest, int(history_id))
    return "" if latest < 0 else f"{latest:020d}"


def _status_category(
    schema: JiraSchema, status_id: str | None, name: str | None, container: str | None
) -> StatusCategory | None:
    if name is None:
        return None
    jira_category = schema.category_by_status_id.get(status_id or "") or schema.category_by_status_name.get(
        name.lower()
    )
    return schema.classify(name, category_of(name, jira_category), container)


def _tracked_field(schema: JiraSchema, change: Mapping[str, Any]) -> str | None:
    field_id = str(change.get("fieldId") or "")
    name = str(change.get("field") or "").lower()
    if field_id == "status" or (not field_id and name == "status"):
        return "status"
    if field_id == "assignee" or (not field_id and name == "assignee"):
        return "assignee"
    if field_id == "resolution" or (not field_id and name == "resolution"):
        return "resolution"
    if (schema.sprint_field and field_id == schema.sprint_field) or (not field_id and name == "sprint"):
        return "sprint"
    if (schema.estimate_field and field_id == schema.estimate_field) or (not field_id and name in _ESTIMATE_NAMES):
        return "estimate"
    if (schema.flagged_field and field_id == schema.flagged_field) or (not field_id and name in _FLAGGED_NAMES):
        return "flagged"
    return None


_TRACKED = frozenset({"status", "assignee", "resolution", "sprint", "estimate", "flagged"})
_ACTIVITY_VALUE_LIMIT = 200
_NOT_ACTIVITY = frozenset({"rank"})
"""Changelog fields that are not work on the issue: re-ordering a backlog touches every issue it moves."""


def _activity_field(change: Mapping[str, Any]) -> str | None:
    """The name an untracked change is recorded under (it still shows someone worked on the issue)."""
    if str(change.get("field") or "").strip().lower() in _NOT_ACTIVITY:
        return None
    name = str(change.get("fieldId") or change.get("field") or "").strip().lower()
    return name[:32] or None


def _clip(value: object) -> str | None:
    return None if value is None else str(value)[:_ACTIVITY_VALUE_LIMIT]


def map_comments(value: object) -> tuple[TransitionIn, ...]:
    """The comments of an issue's ``comment`` field as ``comment`` transitions (author and time; no text).

    A search embeds a page of comments; when it holds fewer than ``total``, the newest may be missing.
    """
    if not isinstance(value, Mapping):
        return ()
    found: list[TransitionIn] = []
    for comment in value.get("comments") or []:
        if not isinstance(comment, Mapping) or not comment.get("id") or not comment.get("created"):
            continue
        author = map_user(comment.get("author"))
        found.append(
            TransitionIn(
                field="comment",
                from_value=None,
                to_value=None,
                changed_at=parse_jira_time(comment["created"]),
                event_id=f"comment-{comment['id']}",
                author_external_id=author.external_id if author else None,
            )
        )
    return tuple(found)


def map_changelog(
    histories: Iterable[Mapping[str, Any]], schema: JiraSchema, container: str | None
) -> tuple[TransitionIn, ...]:
    """Every changelog change, oldest first, one per (history, field).

    Status, assignee, sprint, estimate, flag and resolution keep their values under those names; any other
    field (labels, due date, summary, ...) but the rank is kept under its lower-cased field id as evidence of
    activity.
    """
    found: dict[tuple[str, str], TransitionIn] = {}
    for history in histories:
        event_id = str(history.get("id") or "")
        if not event_id:
            raise IssueMappingError("changelog history without an id")
        changed_at = parse_jira_time(history.get("created"))
        author = map_user(history.get("author"))
        for change in history.get("items") or []:
            tracked = _tracked_field(schema, change) or _activity_field(change)
            if tracked is None:
                continue
            from_value, to_value = change.get("from"), change.get("to")
            from_string, to_string = change.get("fromString"), change.get("toString")
            if tracked in ("status", "estimate", "flagged", "resolution"):
                from_value, to_value = from_string, to_string
            elif tracked not in _TRACKED:
                from_value, to_value = _clip(from_string), _clip(to_string)
            elif tracked == "sprint":
                from_value = ",".join(_sprint_ids(from_value))
                to_value = ",".join(_sprint_ids(to_value))
            transition = TransitionIn(
                field=tracked,
                from_value=None if from_value in (None, "") else str(from_value),
                to_value=None if to_value in (None, "") else str(to_value),
                changed_at=changed_at,
                event_id=event_id,
                author_external_id=author.external_id if author else None,
            )
            if tracked == "status":
                transition = TransitionIn(
                    field=transition.field,
                    from_value=transition.from_value,
                    to_value=transition.to_value,
                    changed_at=changed_at,
                    event_id=event_id,
                    author_external_id=transition.author_external_id,
                    from_category=_status_category(schema, change.get("from"), transition.from_value, container),
                    to_category=_status_category(schema, change.get("to"), transition.to_value, container),
                )
            found[(event_id, tracked)] = transition
    return tuple(sorted(found.values(), key=lambda t: (t.changed_at, _numeric(t.event_id), t.field)))


def _numeric(value: str) -> tuple[int, str]:
    return (int(value), "") if value.isdigit() else (0, value)


# ----- issues -----------------------------------------------------------------------------------------------


def _item_type(issue_type: Mapping[str, Any]) -> ItemType:
    name = str(issue_type.get("name") or "").lower()
    if issue_type.get("subtask") or issue_type.get("hierarchyLevel") == -1:
        return ItemType.SUBTASK
    if name in _TYPE_BY_NAME:
        return _TYPE_BY_NAME[name]
    if issue_type.get("hierarchyLevel") == 1:
        return ItemType.EPIC
    return ItemType.OTHER


def epic_parent_of(raw: Mapping[str, Any]) -> tuple[str | None, bool]:
    """(the parent's id, whether that parent is an epic) of an issue's JSON."""
    parent = (raw.get("fields") or {}).get("parent")
    if not isinstance(parent, dict) or not parent.get("id"):
        return None, False
    parent_type = (parent.get("fields") or {}).get("issuetype") or {}
    is_epic = _item_type(parent_type) is ItemType.EPIC
    return str(parent["id"]), is_epic


def mentions_in(*texts: str) -> tuple[LinkIn, ...]:
    """Trello and Asana URLs mentioned in text, as mention links."""
    found: dict[str, None] = {}
    for text in texts:
        for match in _MENTION.finditer(text or ""):
            found[match.group(0).rstrip(".,;:")] = None
    return tuple(LinkIn(target_ref=url, link_type="mentions", origin=LinkOrigin.MENTION) for url in found)


def _issue_links(values: object) -> list[LinkIn]:
    links: list[LinkIn] = []
    for link in values if isinstance(values, list) else []:
        kind = link.get("type") or {}
        if link.get("outwardIssue"):
            other, phrase = link["outwardIssue"], kind.get("outward") or kind.get("name")
        elif link.get("inwardIssue"):
            other, phrase = link["inwardIssue"], kind.get("inward") or kind.get("name")
        else:
            continue
        target = other.get("key") or other.get("id")
        if target and phrase:
            links.append(LinkIn(target_ref=str(target), link_type=str(phrase), origin=LinkOrigin.EXPLICIT))
    return links


def trim_raw(raw: Mapping[str, Any], schema: JiraSchema) -> dict[str, Any]:
    """The part of an issue's JSON worth keeping: ids and the names of what was mapped, no URLs or avatars."""
    fields = raw.get("fields") or {}
    status = fields.get("status") or {}
    parent = fields.get("parent") or {}
    kept: dict[str, Any] = {
        "status": {
            "id": status.get("id"),
            "name": status.get("name"),
            "category": (status.get("statusCategory") or {}).get("key"),
        },
        "issuetype": _name(fields.get("issuetype")),
        "resolution": _name(fields.get("resolution")),
        "priority": _name(fields.get("priority")),
        "project": (fields.get("project") or {}).get("key"),
        "parent": parent.get("key"),
    }
    if schema.estimate_field:
        kept["estimate_field"] = schema.estimate_field
    if schema.sprint_field:
        kept["sprints"] = [
            ref.external_id
            for ref in (parse_sprint_value(v) for v in fields.get(schema.sprint_field) or [])
            if ref is not None
        ]
    return {"id": raw.get("id"), "key": raw.get("key"), "fields": kept}


def _estimate(value: object) -> float | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise IssueMappingError(f"not an estimate: {value!r}")
    try:
        return float(value)
    except ValueError as error:
        raise IssueMappingError(f"not an estimate: {value!r}") from error


def map_issue(
    raw: Mapping[str, Any],
    schema: JiraSchema,
    *,
    histories: Sequence[Mapping[str, Any]] | None = None,
    epic_of: Mapping[str, str | None] | None = None,
) -> WorkItemIn:
    """One issue (fields plus its complete changelog ``histories``, or the embedded one) as a work item.

    ``epic_of`` maps a parent issue id to that parent's own epic (for sub-tasks under stories).
    """
    try:
        return _map_issue(raw, schema, histories, epic_of or {})
    except IssueMappingError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise IssueMappingError(f"issue {raw.get('id') if isinstance(raw, Mapping) else '?'}: {error!r}") from error


def _map_issue(
    raw: Mapping[str, Any],
    schema: JiraSchema,
    histories: Sequence[Mapping[str, Any]] | None,
    epic_of: Mapping[str, str | None],
) -> WorkItemIn:
    if not isinstance(raw, Mapping) or not raw.get("id"):
        raise IssueMappingError("issue without an id")
    fields = raw.get("fields")
    if not isinstance(fields, dict):
        raise IssueMappingError(f"issue {raw['id']} without fields")
    issue_id = str(raw["id"])
    key = str(raw.get("key") or "") or None
    project = fields.get("project") or {}
    container = str(project["id"]) if project.get("id") else None
    status = fields.get("status")
    if not isinstance(status, dict) or not status.get("name"):
        raise IssueMappingError(f"issue {issue_id} without a status")
    status_name = str(status["name"])
    resolution = _name(fields.get("resolution"))
    vendor_category = category_of(status_name, (status.get("statusCategory") or {}).get("key"), resolution)
    category = schema.classify(status_name, vendor_category, container)
    if histories is None:
        histories = (raw.get("changelog") or {}).get("histories") or []
    changes = map_changelog(histories, schema, container)
    transitions = tuple(
        sorted(
            (*changes, *map_comments(fields.get("comment"))),
            key=lambda t: (t.changed_at, _numeric(t.event_id), t.field),
        )
    )
    item_type = _item_type(fields.get("issuetype") or {})
    parent_id, parent_is_epic = epic_parent_of(raw)
    epic = parent_id if parent_is_epic else (epic_of.get(parent_id) if parent_id else None)
    created_at = _optional_time(fields.get("created"))
    sprints = [
        ref
        for ref in (
            parse_sprint_value(v) for v in (fields.get(schema.sprint_field) if schema.sprint_field else None) or []
        )
        if ref is not None
    ]
    current = current_sprint(sprints)
    assignee = map_user(fields.get("assignee"))
    reporter = map_user(fields.get("reporter"))
    title = str(fields.get("summary") or "")
    description = adf_text(fields.get("description"))[:_DESCRIPTION_LIMIT] or None
    labels = fields.get("labels") or []
    if not isinstance(labels, list):
        raise IssueMappingError(f"issue {issue_id}: labels is not a list")
    flagged_value = fields.get(schema.flagged_field) if schema.flagged_field else None
    updated_at = parse_jira_time(fields.get("updated"))
    return WorkItemIn(
        external_id=issue_id,
        title=title,
        type=item_type,
        status_raw=status_name,
        status_category=category,
        created_at=created_at,
        updated_at=updated_at,
        version=issue_version(histories),
        key=key,
        description=description,
        assignee_external_id=assignee.external_id if assignee else None,
        reporter_external_id=reporter.external_id if reporter else None,
        labels=tuple(str(label) for label in labels),
        priority=_name(fields.get("priority")),
        estimate=_estimate(fields.get(schema.estimate_field)) if schema.estimate_field else None,
        due=parse_jira_date(fields.get("duedate")),
        flagged=bool(flagged_value),
        container_external_id=container,
        parent_external_id=parent_id,
        epic_external_id=None if item_type is ItemType.EPIC else epic,
        sprint_external_id=current.external_id if current else None,
        resolution=resolution,
        url=f"{schema.site_url}/browse/{key}" if key else None,
        resolved_at=_optional_time(fields.get("resolutiondate")),
        last_activity_at=updated_at,
        raw=trim_raw(raw, schema),
        transitions=transitions,
        links=(*_issue_links(fields.get("issuelinks")), *mentions_in(title, description or "")),
        sprints=sprint_memberships(sprints, changes, created_at),
    )


def people_of_issue(raw: Mapping[str, Any], histories: Iterable[Mapping[str, Any]] = ()) -> list[PersonIn]:
    """Everyone an issue names: assignee, reporter and changelog authors."""
    fields = raw.get("fields") or {}
    found = [map_user(fields.get("assignee")), map_user(fields.get("reporter"))]
    found += [map_user(h.get("author")) for h in histories]
    comments = fields.get("comment") or {}
    found += [map_user(c.get("author")) for c in comments.get("comments") or [] if isinstance(c, Mapping)]
    return [p for p in found if p is not None]


# ----- JQL --------------------------------------------------------------------------------------------------


def format_jql_time(moment: datetime, zone: tzinfo) -> str:
    """``moment`` as JQL's ``"yyyy-MM-dd HH:mm"`` in the searching user's time zone, floored to the minute."""
    if moment.tzinfo is None:
        raise ValueError("a JQL time needs an aware datetime")
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def updated_since_clause(cursor: datetime, overlap: timedelta, zone: tzinfo) -> str:
    """``updated >= "…"`` from ``cursor`` minus ``overlap`` (at least two minutes), in the user's time zone.

    JQL reads dates in the searching user's zone at minute resolution; flooring the minute and the overlap
    make the window start no later than ``cursor - overlap``. In a repeated hour (DST fall-back) Jira reads
    the earlier instant, which only widens the window.
    """
    start = cursor - max(overlap, timedelta(minutes=2))
    return f'updated >= "{format_jql_time(start, zone)}"'


def projects_jql(project_ids: Sequence[str]) -> str:
    """The bounded restriction every pull and count shares: the connection's projects."""
    if not project_ids:
        raise ValueError("a Jira pull needs at least one project")
    return f"project in ({', '.join(project_ids)})"


def search_jql(project_ids: Sequence[str], since: str | None = None) -> str:
    """The pull query: the connection's projects, optionally changed since, oldest change first."""
    clauses = [projects_jql(project_ids)]
    if since:
        clauses.append(since)
    return " AND ".join(clauses) + " ORDER BY updated ASC, id ASC"
