"""Enumerations shared by the normalised model (models/) and the policy file (core/policy/): one definition each.

Stored as plain strings, so new values need no migration.
"""

from enum import StrEnum

__all__ = ["ContainerKind", "ItemType", "Severity", "StatusCategory", "Vendor"]


class Vendor(StrEnum):
    """The tools Baton reads from."""

    JIRA = "jira"
    TRELLO = "trello"
    ASANA = "asana"


class StatusCategory(StrEnum):
    """Baton's status categories; ``unknown`` is what a status no mapping covers gets."""

    BACKLOG = "backlog"
    TODO = "todo"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"
    UNKNOWN = "unknown"


class ItemType(StrEnum):
    """The normalised work item types."""

    EPIC = "epic"
    STORY = "story"
    TASK = "task"
    BUG = "bug"
    SUBTASK = "subtask"
    OTHER = "other"


class ContainerKind(StrEnum):
    """What a container is in its tool."""

    PROJECT = "project"  # Jira project, Asana project
    BOARD = "board"  # Jira board, Trello board
    LIST = "list"  # Trello list
    SECTION = "section"  # Asana section


class Severity(StrEnum):
    """How much a finding matters; weighs in the hygiene score."""

    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
