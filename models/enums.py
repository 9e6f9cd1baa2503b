"""Enumerations of the normalised model. Stored as plain strings so new values need no migration."""

from enum import StrEnum

__all__ = [
    "ApiKeyRole",
    "ContainerKind",
    "FindingSeverity",
    "ItemType",
    "LinkOrigin",
    "SprintState",
    "StatusCategory",
    "SyncKind",
    "SyncStatus",
    "Vendor",
    "WebhookEventStatus",
]


class Vendor(StrEnum):
    JIRA = "jira"
    TRELLO = "trello"
    ASANA = "asana"


class StatusCategory(StrEnum):
    BACKLOG = "backlog"
    TODO = "todo"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"
    UNKNOWN = "unknown"


class ItemType(StrEnum):
    EPIC = "epic"
    STORY = "story"
    TASK = "task"
    BUG = "bug"
    SUBTASK = "subtask"
    OTHER = "other"


class ContainerKind(StrEnum):
    PROJECT = "project"  # Jira project, Asana project
    BOARD = "board"  # Jira board, Trello board
    LIST = "list"  # Trello list
    SECTION = "section"  # Asana section


class SprintState(StrEnum):
    FUTURE = "future"
    ACTIVE = "active"
    CLOSED = "closed"


class LinkOrigin(StrEnum):
    EXPLICIT = "explicit"  # a vendor link: Jira issue link or remote link, Trello attachment, Asana dependency
    MENTION = "mention"  # a key or URL of another item found in a title or description


class SyncKind(StrEnum):
    FULL = "full"
    INCREMENTAL = "incremental"
    CENSUS = "census"


class SyncStatus(StrEnum):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    PARTIAL = "partial"
    FAILED = "failed"


class WebhookEventStatus(StrEnum):
    PENDING = "pending"
    PROCESSING = "processing"
    DONE = "done"
    IGNORED = "ignored"
    DEAD = "dead"


class FindingSeverity(StrEnum):
    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class ApiKeyRole(StrEnum):
    VIEWER = "viewer"
    ADMIN = "admin"
