"""People, unified across tools by e-mail (and policy aliases), with one identity per tool account."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from models.fields import big_fk, big_pk, utc_now_field

__all__ = ["Person", "PersonIdentity"]


class Person(SQLModel, table=True):
    """A human (or bot) across every tool."""

    __tablename__ = "person"

    id: int | None = big_pk()
    display_name: str = Field(max_length=200)
    email: str | None = Field(default=None, max_length=320, unique=True, description="Lower-cased.")
    is_bot: bool = False
    created_at: datetime = utc_now_field()


class PersonIdentity(SQLModel, table=True):
    """A person's account in one connection (Jira accountId, Trello member id, Asana user gid)."""

    __tablename__ = "person_identity"
    __table_args__ = (UniqueConstraint("connection_id", "external_id", name="uq_person_identity_connection_external"),)

    id: int | None = big_pk()
    person_id: int | None = big_fk("person.id", nullable=True, ondelete="SET NULL")
    connection_id: int = big_fk("connection.id")
    external_id: str = Field(max_length=128)
    display_name: str = Field(max_length=200)
    email: str | None = Field(default=None, max_length=320, index=True)
    first_seen_at: datetime = utc_now_field()
    last_seen_at: datetime = utc_now_field()
