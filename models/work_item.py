"""Work items (issues, cards, tasks) in the normalised model, their history, labels and links."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Column, ForeignKey, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.fields import big_fk, big_pk, json_field, utc_field, utc_now_field
from models.types import BigId

__all__ = ["Link", "Transition", "WorkItem", "WorkItemLabel"]


class WorkItem(SQLModel, table=True):
    """One backlog item, keyed by (connection, the vendor's immutable id).

    ``source_updated_at`` with ``source_version`` (a sortable tie-break such as a changelog or action id)
    orders versions: an older version never overwrites a newer one.
    """

    __tablename__ = "work_item"
    __table_args__ = (
        UniqueConstraint("connection_id", "external_id", name="uq_work_item_connection_external"),
        Index("ix_work_item_status", "status_category", "deleted_at"),
        Index("ix_work_item_container_status_updated", "container_id", "status_category", "source_updated_at"),
        Index("ix_work_item_assignee_status", "assignee_person_id", "status_category"),
        Index("ix_work_item_source_updated", "source_updated_at"),
        Index("ix_work_item_source_created", "source_created_at"),
        # (due, id): the due list's order, so a page stops at its size even when many items share a due date.
        Index("ix_work_item_due_id", "due", "id"),
        Index("ix_work_item_sprint", "connection_id", "sprint_external_id"),
        Index("ix_work_item_parent", "connection_id", "parent_external_id"),
        Index("ix_work_item_epic", "connection_id", "epic_external_id"),
        Index("ix_work_item_key", "key"),
        Index("ix_work_item_source", "source", "status_category"),
    )

    id: int | None = big_pk()
    connection_id: int = big_fk("connection.id", index=False)
    source: str = Field(max_length=16, description="jira | trello | asana")
    external_id: str = Field(max_length=64, description="Jira issue id, Trello card id, Asana task gid.")
    key: str | None = Field(default=None, max_length=64, description="Jira key; Trello short link.")
    title: str = Field(max_length=2000)
    description: str | None = Field(default=None, description="Plain text, trimmed.")
    type: str = Field(default="task", max_length=16, description="epic | story | task | bug | subtask | other")
    status_raw: str = Field(max_length=200, description="The tool's status, list or section name.")
    status_category: str = Field(max_length=16, description="backlog | todo | in_progress | done | cancelled | unknown")
    assignee_external_id: str | None = Field(default=None, max_length=128)
    assignee_person_id: int | None = big_fk("person.id", nullable=True, ondelete="SET NULL", index=False)
    reporter_external_id: str | None = Field(default=None, max_length=128)
    priority: str | None = Field(default=None, max_length=50)
    estimate: float | None = Field(default=None, description="Story points from the discovered field.")
    due: date | None = None
    flagged: bool = Field(default=False, description="Jira flag / explicit blocked marker.")
    container_id: int | None = big_fk("container.id", nullable=True, ondelete="SET NULL", index=False)
    subcontainer_id: int | None = big_fk("container.id", nullable=True, ondelete="SET NULL")
    parent_external_id: str | None = Field(default=None, max_length=64)
    epic_external_id: str | None = Field(default=None, max_length=64)
    sprint_external_id: str | None = Field(default=None, max_length=64, description="Current sprint.")
    resolution: str | None = Field(default=None, max_length=100)
    url: str | None = Field(default=None, max_length=1000)
    source_created_at: datetime | None = utc_field()
    source_updated_at: datetime | None = utc_field()
    source_version: str = Field(default="", max_length=64, description="Sortable tie-break for equal times.")
    resolved_at: datetime | None = utc_field()
    last_activity_at: datetime | None = utc_field()
    raw: dict[str, Any] = json_field()
    first_seen_at: datetime = utc_now_field()
    last_seen_at: datetime = utc_now_field()
    updated_at: datetime = utc_now_field()
    deleted_at: datetime | None = utc_field()


class WorkItemLabel(SQLModel, table=True):
    """A label (Jira label, Trello label, Asana tag) on an item; a table so label filters use an index."""

    __tablename__ = "work_item_label"
    __table_args__ = (
        Index("ix_work_item_label_label", "label", "work_item_id"),
        # A label's items in the items list's default order (updated), so its first page stops at the page size.
        Index("ix_work_item_label_label_updated", "label", "item_updated_at", "work_item_id"),
    )

    work_item_id: int = Field(sa_column=Column(BigId, ForeignKey("work_item.id", ondelete="CASCADE"), primary_key=True))
    label: str = Field(max_length=200, primary_key=True)
    # A copy of the item's source_updated_at, kept by database triggers (migration 0009).
    item_updated_at: datetime | None = utc_field()


class Transition(SQLModel, table=True):
    """One change of a tracked field (status, assignee, sprint, estimate) with the time it happened."""

    __tablename__ = "transition"
    __table_args__ = (
        UniqueConstraint("work_item_id", "event_id", "field", name="uq_transition_item_event_field"),
        Index("ix_transition_item_time", "work_item_id", "changed_at"),
        Index("ix_transition_field_time", "field", "changed_at"),
    )

    id: int | None = big_pk()
    work_item_id: int = big_fk("work_item.id", index=False)
    field: str = Field(max_length=32, description="status | assignee | sprint | estimate | …")
    from_value: str | None = Field(default=None, max_length=500)
    to_value: str | None = Field(default=None, max_length=500)
    from_category: str | None = Field(default=None, max_length=16)
    to_category: str | None = Field(default=None, max_length=16)
    changed_at: datetime = utc_now_field()
    author_external_id: str | None = Field(default=None, max_length=128)
    event_id: str = Field(max_length=128, description="Changelog id, action id, story gid, or observed:<t>.")


class Link(SQLModel, table=True):
    """A relation from one item to another, explicit in a tool or mentioned in text."""

    __tablename__ = "link"
    __table_args__ = (
        UniqueConstraint("source_item_id", "target_ref", "link_type", name="uq_link_source_target_type"),
        Index("ix_link_target", "target_item_id"),
    )

    id: int | None = big_pk()
    source_item_id: int = big_fk("work_item.id", index=False)
    target_item_id: int | None = big_fk("work_item.id", nullable=True, ondelete="SET NULL", index=False)
    target_ref: str = Field(max_length=1000, description="Key, id or URL of the target as written.")
    link_type: str = Field(max_length=50, description="blocks | is_blocked_by | relates | mentions | …")
    origin: str = Field(max_length=16, description="explicit | mention")
    created_at: datetime = utc_now_field()
