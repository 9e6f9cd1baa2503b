"""The normalised records a connector yields. Pure data: no database, no vendor SDK types.

Every datetime is timezone-aware. Records are frozen and slotted: a full sync streams millions of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from models.enums import ContainerKind, ItemType, LinkOrigin, SprintState, StatusCategory

__all__ = [
    "Batch",
    "ContainerIn",
    "CursorUpdate",
    "Discovery",
    "LinkIn",
    "PersonIn",
    "QuarantinedItem",
    "SprintIn",
    "SprintMembershipIn",
    "StatusIn",
    "TransitionIn",
    "WebhookDelivery",
    "WorkItemIn",
]


@dataclass(frozen=True, slots=True)
class ContainerIn:
    """A project, board, list or section as the vendor knows it."""

    kind: ContainerKind
    external_id: str
    name: str
    key: str | None = None
    parent_external_id: str | None = None
    url: str | None = None


@dataclass(frozen=True, slots=True)
class PersonIn:
    """An account in one tool."""

    external_id: str
    display_name: str
    email: str | None = None
    is_bot: bool = False


@dataclass(frozen=True, slots=True)
class StatusIn:
    """A raw status with the vendor's own category (when it has one) and Baton's category for it."""

    raw: str
    category: StatusCategory
    vendor_category: str | None = None
    container_external_id: str | None = None


@dataclass(frozen=True, slots=True)
class SprintIn:
    """A Jira Agile sprint."""

    external_id: str
    name: str
    state: SprintState
    board_external_id: str | None = None
    goal: str | None = None
    start_at: datetime | None = None
    end_at: datetime | None = None
    complete_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class TransitionIn:
    """One change of a tracked field, from the vendor's history (or observed by Baton)."""

    field: str
    from_value: str | None
    to_value: str | None
    changed_at: datetime
    event_id: str
    author_external_id: str | None = None
    from_category: StatusCategory | None = None
    to_category: StatusCategory | None = None


@dataclass(frozen=True, slots=True)
class LinkIn:
    """A relation to another item: an explicit vendor link or a key/URL mentioned in text."""

    target_ref: str
    link_type: str
    origin: LinkOrigin


@dataclass(frozen=True, slots=True)
class SprintMembershipIn:
    """An item's stay in a sprint."""

    sprint_external_id: str
    added_at: datetime | None = None
    removed_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class WorkItemIn:
    """One item, normalised. ``updated_at`` then ``version`` order versions of the same item."""

    external_id: str
    title: str
    type: ItemType
    status_raw: str
    status_category: StatusCategory
    created_at: datetime | None
    updated_at: datetime
    version: str = ""
    key: str | None = None
    description: str | None = None
    assignee_external_id: str | None = None
    reporter_external_id: str | None = None
    labels: tuple[str, ...] = ()
    priority: str | None = None
    estimate: float | None = None
    due: date | None = None
    flagged: bool = False
    container_external_id: str | None = None
    subcontainer_external_id: str | None = None
    parent_external_id: str | None = None
    epic_external_id: str | None = None
    sprint_external_id: str | None = None
    resolution: str | None = None
    url: str | None = None
    resolved_at: datetime | None = None
    last_activity_at: datetime | None = None
    archived: bool = False
    raw: dict[str, Any] = field(default_factory=dict)
    transitions: tuple[TransitionIn, ...] = ()
    links: tuple[LinkIn, ...] = ()
    sprints: tuple[SprintMembershipIn, ...] = ()


@dataclass(frozen=True, slots=True)
class QuarantinedItem:
    """An item that kept failing validation: stored aside with its raw JSON so nothing is dropped silently."""

    external_id: str
    reason: str
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CursorUpdate:
    """Where the next incremental pull resumes once this batch is stored (same transaction)."""

    name: str
    value: str
    scope: str = "*"


@dataclass(frozen=True, slots=True)
class Batch:
    """One page's worth of normalised data, and the cursor it lets the store advance to."""

    items: tuple[WorkItemIn, ...] = ()
    people: tuple[PersonIn, ...] = ()
    sprints: tuple[SprintIn, ...] = ()
    deleted_external_ids: tuple[str, ...] = ()
    quarantined: tuple[QuarantinedItem, ...] = ()
    cursor: CursorUpdate | None = None
    pages: int = 1


@dataclass(frozen=True, slots=True)
class Discovery:
    """What a connection holds before any item is read."""

    containers: tuple[ContainerIn, ...] = ()
    people: tuple[PersonIn, ...] = ()
    statuses: tuple[StatusIn, ...] = ()
    sprints: tuple[SprintIn, ...] = ()
    estimate_field: str | None = None


@dataclass(frozen=True, slots=True)
class WebhookDelivery:
    """A verified webhook body, parsed: which item it is about and the vendor's delivery identity."""

    delivery_id: str
    event_type: str
    entity_external_id: str | None
    ignored: bool = False
