"""Field constructors so every table declares ids, times and JSON the same way."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, ForeignKey
from sqlmodel import Field

from core.timeutil import utc_now
from models.types import BigId, JSONValue, UTCDateTime

__all__ = ["big_fk", "big_pk", "json_field", "utc_field", "utc_now_field"]


def big_pk() -> Any:
    """An auto-increment 64-bit primary key."""
    return Field(default=None, sa_type=BigId, primary_key=True)


def big_fk(target: str, *, nullable: bool = False, ondelete: str = "CASCADE", index: bool = True) -> Any:
    """A 64-bit foreign key to ``target`` (``table.column``)."""
    return Field(
        default=None,
        sa_column=Column(BigId, ForeignKey(target, ondelete=ondelete), nullable=nullable, index=index),
    )


def utc_field(*, nullable: bool = True, index: bool = False) -> Any:
    """A timezone-aware UTC datetime column, ``None`` by default."""
    return Field(default=None, sa_type=UTCDateTime, nullable=nullable, index=index)


def utc_now_field(*, index: bool = False) -> Any:
    """A non-null UTC datetime column defaulting to the time the row object is built."""
    return Field(default_factory=utc_now, sa_type=UTCDateTime, nullable=False, index=index)


def json_field(default_factory: Any = dict) -> Any:
    """A JSON column (JSONB on PostgreSQL)."""
    return Field(default_factory=default_factory, sa_type=JSONValue, nullable=False)
