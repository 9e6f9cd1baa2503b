"""Sprints (Jira Agile) and which items were in them, with when they joined and left."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.fields import big_fk, big_pk, utc_field

__all__ = ["Sprint", "SprintMembership"]


class Sprint(SQLModel, table=True):
    """A time box on a board."""

    __tablename__ = "sprint"
    __table_args__ = (
        UniqueConstraint("connection_id", "external_id", name="uq_sprint_connection_external"),
        Index("ix_sprint_state", "state"),
    )

    id: int | None = big_pk()
    connection_id: int = big_fk("connection.id", index=False)
    external_id: str = Field(max_length=64)
    name: str = Field(max_length=300)
    state: str = Field(max_length=16, description="future | active | closed")
    board_container_id: int | None = big_fk("container.id", nullable=True, ondelete="SET NULL")
    goal: str | None = None
    start_at: datetime | None = utc_field()
    end_at: datetime | None = utc_field()
    complete_at: datetime | None = utc_field()


class SprintMembership(SQLModel, table=True):
    """An item's stay in a sprint: ``added_at`` after the sprint's start is scope added (R09)."""

    __tablename__ = "sprint_membership"
    __table_args__ = (
        UniqueConstraint("sprint_id", "work_item_id", name="uq_sprint_membership_sprint_item"),
        Index("ix_sprint_membership_item", "work_item_id"),
    )

    id: int | None = big_pk()
    sprint_id: int = big_fk("sprint.id", index=False)
    work_item_id: int = big_fk("work_item.id", index=False)
    added_at: datetime | None = utc_field()
    removed_at: datetime | None = utc_field()
