"""A configured vendor account Baton pulls from (one Jira site, one Trello token, one Asana workspace)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from models.fields import big_pk, utc_field, utc_now_field

__all__ = ["Connection"]


class Connection(SQLModel, table=True):
    """One vendor account named in the policy file."""

    __tablename__ = "connection"

    id: int | None = big_pk()
    name: str = Field(max_length=100, unique=True, description="The policy file's connection name.")
    vendor: str = Field(max_length=16, description="jira | trello | asana")
    base_url: str = Field(max_length=500)
    enabled: bool = True
    created_at: datetime = utc_now_field()
    updated_at: datetime = utc_now_field()
    last_success_at: datetime | None = utc_field()
