"""Column types shared by the tables: UTC datetimes, portable JSON, portable big integer keys."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, Integer
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

__all__ = ["BigId", "JSONValue", "UTCDateTime"]


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware datetime stored in UTC on every dialect; naive values are refused."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: Baton stores timezone-aware datetimes only")
        utc = value.astimezone(UTC)
        # SQLite has no time zone type: store naive UTC text so that ordering is chronological.
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# JSONB on PostgreSQL (indexable, compact), JSON text elsewhere.
JSONValue: TypeEngine[Any] = JSON().with_variant(JSONB(), "postgresql")

# 64-bit keys on PostgreSQL; SQLite needs INTEGER for its rowid primary keys (which are 64-bit anyway).
BigId: TypeEngine[int] = BigInteger().with_variant(Integer(), "sqlite")
