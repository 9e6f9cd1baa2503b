"""The vendor-neutral organisation model that the Jira, Trello and Asana emulators render."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

__all__ = [
    "CrossLink",
    "Event",
    "EventKind",
    "GeneratedItem",
    "Item",
    "ItemType",
    "LinkKind",
    "Person",
    "Sprint",
    "SprintState",
    "Status",
    "StatusCategory",
    "StatusKind",
    "Team",
    "Vendor",
    "Workflow",
    "event_serial",
]


class Vendor(StrEnum):
    """The three tools Baton pulls from."""

    JIRA = "jira"
    TRELLO = "trello"
    ASANA = "asana"


class ItemType(StrEnum):
    """Work item types; Trello and Asana render them as labels or tags."""

    EPIC = "epic"
    STORY = "story"
    TASK = "task"
    BUG = "bug"
    SUBTASK = "subtask"

    @property
    def estimable(self) -> bool:
        """Story, task and bug carry story points; epics and subtasks do not."""
        return self in (ItemType.STORY, ItemType.TASK, ItemType.BUG)


class StatusCategory(StrEnum):
    """What a status means, as Baton's normalised model has it."""

    BACKLOG = "backlog"
    TODO = "todo"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"

    @property
    def is_open(self) -> bool:
        """Not done and not cancelled."""
        return self not in (StatusCategory.DONE, StatusCategory.CANCELLED)


class StatusKind(StrEnum):
    """The role of a status in a workflow; drift columns have their own kinds."""

    BACKLOG = "backlog"
    TODO = "todo"
    IN_PROGRESS = "in_progress"
    REVIEW = "review"
    QA = "qa"
    BLOCKED = "blocked"
    READY_FOR_RELEASE = "ready_for_release"
    DONE = "done"
    CANCELLED = "cancelled"
    INVENTED = "invented"


@dataclass(frozen=True, slots=True)
class Status:
    """One status / list / section: its raw name, role and category."""

    name: str
    kind: StatusKind
    category: StatusCategory


@dataclass(frozen=True)
class Workflow:
    """A team's ordered statuses; `drifted` when it differs from the organisation's reference workflow."""

    name: str
    statuses: tuple[Status, ...]
    drifted: bool

    def by_kind(self, kind: StatusKind) -> Status | None:
        """The first status of a kind, or None when the team has no such column."""
        return next((s for s in self.statuses if s.kind is kind), None)

    def by_name(self, name: str) -> Status | None:
        """The status with this raw name, or None."""
        return next((s for s in self.statuses if s.name == name), None)

    def position(self, name: str) -> int:
        """Index of a status in the workflow (the column order); -1 when unknown."""
        return next((i for i, s in enumerate(self.statuses) if s.name == name), -1)

    def progress_path(self) -> tuple[Status, ...]:
        """The in-progress columns an item passes on its way to done (Blocked excluded), in order."""
        return tuple(
            s for s in self.statuses if s.category is StatusCategory.IN_PROGRESS and s.kind is not StatusKind.BLOCKED
        )


@dataclass(frozen=True)
class Person:
    """A human or bot; `accounts` maps each tool the person uses to the display name shown there."""

    id: int
    email: str
    name: str
    home: Vendor
    accounts: dict[Vendor, str]
    is_bot: bool = False
    timezone: str = "UTC"


class SprintState(StrEnum):
    """Jira sprint states."""

    CLOSED = "closed"
    ACTIVE = "active"
    FUTURE = "future"


@dataclass(frozen=True)
class Sprint:
    """A Jira sprint on a team's scrum board; times are POSIX seconds."""

    id: int
    team: int
    name: str
    state: SprintState
    start: float
    end: float
    complete: float | None
    goal: str


@dataclass(frozen=True)
class Team:
    """A team in one tool: its container (Jira project+board, Trello board, Asana project), people, items."""

    vendor: Vendor
    index: int
    name: str
    key: str
    timezone: str
    workflow: Workflow
    members: tuple[int, ...]
    guests: tuple[int, ...]
    start: int
    stop: int
    labels: tuple[str, ...]
    created_at: float

    @property
    def people(self) -> tuple[int, ...]:
        """Members and guests."""
        return self.members + self.guests

    @property
    def size(self) -> int:
        """Number of generated items in the team's container."""
        return self.stop - self.start


class EventKind(StrEnum):
    """What a history event changed."""

    CREATED = "created"
    STATUS = "status"
    ASSIGNEE = "assignee"
    ESTIMATE = "estimate"
    SPRINT = "sprint"
    COMMENT = "comment"
    LABELS = "labels"
    FLAG = "flag"
    RESOLUTION = "resolution"
    DUE = "due"
    TITLE = "title"
    DELETED = "deleted"
    # Written only through a vendor API (Trello cards): archive / restore, and description edits.
    ARCHIVED = "archived"
    DESCRIPTION = "description"


def event_serial(index: int, number: int) -> int:
    """A number unique per (item, event) that vendors turn into changelog ids, action ids or story gids."""
    return index * 10_000 + number


@dataclass(frozen=True, slots=True)
class Event:
    """One history entry: who changed what, when (POSIX seconds), from which value to which value."""

    number: int
    at: float
    author: int
    kind: EventKind
    before: str | None = None
    after: str | None = None


class LinkKind(StrEnum):
    """How an item points to an item in another tool."""

    REMOTE_LINK = "remote_link"
    MENTION = "mention"


@dataclass(frozen=True, slots=True)
class CrossLink:
    """A link to an item in another tool (Jira remote link, or a key / URL in a title or description)."""

    vendor: Vendor
    index: int
    external_id: str
    key: str
    url: str
    kind: LinkKind


@dataclass(frozen=True, slots=True)
class Item:
    """The current state of a work item; vendors render it (Jira issue, Trello card, Asana task)."""

    vendor: Vendor
    index: int
    team: int
    number: int
    external_id: str
    key: str
    url: str
    type: ItemType
    title: str
    description: str
    status: str
    status_category: StatusCategory
    assignee: int | None
    reporter: int
    labels: tuple[str, ...]
    estimate: float | None
    due: date | None
    sprint: int | None
    parent: int | None
    flagged: bool
    resolution: str | None
    links: tuple[CrossLink, ...]
    created_at: float
    updated_at: float
    resolved_at: float | None
    last_activity_at: float
    deleted: bool = False
    # Archive state set through a vendor API; None = never set, the vendor's own rule applies (Trello).
    archived: bool | None = None


@dataclass(frozen=True)
class GeneratedItem:
    """An item with its full history, oldest event first."""

    item: Item
    events: tuple[Event, ...] = field(default_factory=tuple)
