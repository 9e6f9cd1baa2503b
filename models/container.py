"""Where items live in their tool: Jira projects and boards, Trello boards and lists, Asana projects and sections."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.fields import big_fk, big_pk, utc_field, utc_now_field

__all__ = ["Container"]


class Container(SQLModel, table=True):
    """A project, board, list or section; ``parent_id`` ties a list to its board, a section to its project."""

    __tablename__ = "container"
    __table_args__ = (
        UniqueConstraint("connection_id", "kind", "external_id", name="uq_container_connection_kind_external"),
        Index("ix_container_team", "team"),
    )

    id: int | None = big_pk()
    connection_id: int = big_fk("connection.id")
    kind: str = Field(max_length=16, description="project | board | list | section")
    external_id: str = Field(max_length=64)
    key: str | None = Field(default=None, max_length=64)
    name: str = Field(max_length=500)
    parent_id: int | None = big_fk("container.id", nullable=True, ondelete="SET NULL")
    team: str | None = Field(default=None, max_length=100, description="Owning team, from the policy file.")
    url: str | None = Field(default=None, max_length=1000)
    first_seen_at: datetime = utc_now_field()
    last_seen_at: datetime = utc_now_field()
    deleted_at: datetime | None = utc_field()
