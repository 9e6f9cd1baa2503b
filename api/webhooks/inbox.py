"""Storing verified deliveries in the inbox (``webhook_event``): insert-if-new, then commit."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from connectors.records import WebhookDelivery
from models.db import Database
from models.enums import WebhookEventStatus
from models.tables import WEBHOOK_EVENTS
from sync.upsert import upsert_rows_returning

__all__ = ["InboxKey", "inbox_rows", "insert_inbox_rows", "store_deliveries"]

InboxKey = tuple[str, int, str]
"""What makes a delivery unique in the inbox: (source, connection id, delivery id)."""

_KEY = ("source", "connection_id", "delivery_id")


def inbox_rows(
    *, source: str, connection_id: int, deliveries: Sequence[WebhookDelivery], body: bytes, now: datetime
) -> list[dict[str, Any]]:
    """The inbox rows of the deliveries Baton acts on (ignored event types have none)."""
    return [
        {
            "source": source,
            "connection_id": connection_id,
            "delivery_id": delivery.delivery_id[:200],
            "event_type": delivery.event_type[:100],
            "entity_external_id": delivery.entity_external_id,
            "body": body,
            "status": str(WebhookEventStatus.PENDING),
            "attempts": 0,
            "next_attempt_at": now,
            "received_at": now,
        }
        for delivery in deliveries
        if not delivery.ignored
    ]


def row_key(row: dict[str, Any]) -> InboxKey:
    """The inbox key of a row built by :func:`inbox_rows`."""
    return (str(row["source"]), int(row["connection_id"]), str(row["delivery_id"]))


def insert_inbox_rows(session: Session, rows: Sequence[dict[str, Any]]) -> set[InboxKey]:
    """Insert the rows not already in the inbox (``ON CONFLICT DO NOTHING``); the keys that were new."""
    if not rows:
        return set()
    inserted = upsert_rows_returning(session, WEBHOOK_EVENTS, rows, key=_KEY, update=False, returning=_KEY)
    return {(str(source), int(connection_id), str(delivery_id)) for source, connection_id, delivery_id in inserted}


def store_deliveries(
    database: Database,
    *,
    source: str,
    connection_id: int,
    deliveries: tuple[WebhookDelivery, ...],
    body: bytes,
    now: datetime,
) -> int:
    """Insert the deliveries Baton acts on (a repeat is a no-op) and commit; return how many were new."""
    rows = inbox_rows(source=source, connection_id=connection_id, deliveries=deliveries, body=body, now=now)
    if not rows:
        return 0
    with database.session() as session:
        inserted = insert_inbox_rows(session, rows)
        session.commit()
    return len(inserted)
