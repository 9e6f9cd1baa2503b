"""API keys: only a SHA-256 hash of the key is stored."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Field, SQLModel

from models.fields import big_pk, utc_field, utc_now_field
from models.types import JSONValue

__all__ = ["ApiKey"]


class ApiKey(SQLModel, table=True):
    """A bearer key with a role (viewer or admin), optionally scoped to some teams."""

    __tablename__ = "api_key"

    id: int | None = big_pk()
    name: str = Field(max_length=100)
    role: str = Field(max_length=16, description="viewer | admin")
    prefix: str = Field(max_length=16, description="The first characters, to recognise a key in lists.")
    key_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = utc_now_field()
    last_used_at: datetime | None = utc_field()
    revoked_at: datetime | None = utc_field()
    teams: Any = Field(
        default=None,
        sa_type=JSONValue,
        nullable=True,
        description="Team names the key is limited to (a JSON list); NULL for the whole organisation.",
    )
