"""Vendor records that kept failing validation: kept aside with their raw JSON, never silently dropped."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from models.fields import big_fk, big_pk, json_field, utc_now_field

__all__ = ["QuarantinedRecord"]


class QuarantinedRecord(SQLModel, table=True):
    """One item a pull could not map, with why and the vendor's JSON; removed once the item maps again."""

    __tablename__ = "quarantine"
    __table_args__ = (UniqueConstraint("connection_id", "external_id", name="uq_quarantine_connection_external"),)

    id: int | None = big_pk()
    connection_id: int = big_fk("connection.id", index=False)
    external_id: str = Field(max_length=255, description="The vendor's id (or the page position when it had none).")
    reason: str = Field(max_length=1000, description="Why mapping failed.")
    raw: dict[str, Any] = json_field(dict)
    first_seen_at: datetime = utc_now_field()
    last_seen_at: datetime = utc_now_field()
