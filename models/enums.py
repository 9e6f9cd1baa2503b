"""Enumerations of the normalised model. Stored as plain strings so new values need no migration.

Vendor, StatusCategory, ItemType, ContainerKind and FindingSeverity are defined once in ``core.enums`` (the
policy file uses them too) and re-exported here.
"""

from enum import StrEnum

from core.enums import ContainerKind, ItemType, StatusCategory, Vendor
from core.enums import Severity as FindingSeverity

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


class ApiKeyRole(StrEnum):
    VIEWER = "viewer"
    ADMIN = "admin"
