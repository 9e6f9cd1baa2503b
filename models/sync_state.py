"""Sync bookkeeping: one row per run, and the cursors that make incremental syncs resume."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.fields import big_fk, big_pk, json_field, utc_field, utc_now_field

__all__ = ["SyncCursor", "SyncRun"]


class SyncRun(SQLModel, table=True):
    """One `baton sync` of one connection, with its counts and errors."""

    __tablename__ = "sync_run"
    __table_args__ = (Index("ix_sync_run_connection_started", "connection_id", "started_at"),)

    id: int | None = big_pk()
    connection_id: int = big_fk("connection.id", index=False)
    kind: str = Field(max_length=16, description="full | incremental | census")
    status: str = Field(default="running", max_length=16, description="running | succeeded | partial | failed")
    started_at: datetime = utc_now_field()
    finished_at: datetime | None = utc_field()
    items_seen: int = 0
    items_changed: int = 0
    items_deleted: int = 0
    pages: int = 0
    requests: int = 0
    errors: list[dict[str, Any]] = json_field(list)
    error_message: str | None = None
    webhook_gaps: int | None = Field(
        default=None,
        description="Changes this incremental run found that no webhook delivered (null: not covered by webhooks).",
    )


class SyncCursor(SQLModel, table=True):
    """Where the next incremental sync resumes, per connection and scope (e.g. one Trello board).

    A cursor only advances in the same transaction as the data it covers.
    """

    __tablename__ = "sync_cursor"
    __table_args__ = (UniqueConstraint("connection_id", "scope", "name", name="uq_sync_cursor_connection_scope_name"),)

    id: int | None = big_pk()
    connection_id: int = big_fk("connection.id", index=False)
    scope: str = Field(default="*", max_length=128)
    name: str = Field(max_length=64, description="e.g. jira.updated, trello.action, asana.sync")
    value: str
    updated_at: datetime = utc_now_field()
