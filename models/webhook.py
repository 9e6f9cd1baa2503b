"""The webhook inbox: every verified delivery, stored before Baton answers 2xx."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.fields import big_fk, big_pk, utc_field, utc_now_field

__all__ = ["WebhookEvent"]


class WebhookEvent(SQLModel, table=True):
    """One delivery, unique on (source, connection, delivery id) so a retried delivery is stored once."""

    __tablename__ = "webhook_event"
    __table_args__ = (
        UniqueConstraint("source", "connection_id", "delivery_id", name="uq_webhook_event_delivery"),
        Index("ix_webhook_event_status_next", "status", "next_attempt_at"),
        Index("ix_webhook_event_received", "received_at"),
    )

    id: int | None = big_pk()
    source: str = Field(max_length=16, description="jira | trello | asana")
    connection_id: int = big_fk("connection.id", index=False)
    delivery_id: str = Field(max_length=200)
    event_type: str = Field(max_length=100)
    entity_external_id: str | None = Field(default=None, max_length=64)
    body: bytes = Field(sa_type=LargeBinary, description="The raw body as received (and verified).")
    status: str = Field(default="pending", max_length=16, description="pending | processing | done | …")
    attempts: int = 0
    next_attempt_at: datetime | None = utc_field()
    last_error: str | None = None
    received_at: datetime = utc_now_field()
    processed_at: datetime | None = utc_field()
