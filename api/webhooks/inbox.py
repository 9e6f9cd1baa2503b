"""Storing verified deliveries in the inbox (``webhook_event``): insert-if-new, then commit."""

from __future__ import annotations

from datetime import datetime

from connectors.records import WebhookDelivery
from models.db import Database
from models.enums import WebhookEventStatus
from models.tables import WEBHOOK_EVENTS
from sync.upsert import upsert_rows

__all__ = ["store_deliveries"]


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
    rows = [
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
    if not rows:
        return 0
    with database.session() as session:
        inserted = upsert_rows(
            session, WEBHOOK_EVENTS, rows, key=("source", "connection_id", "delivery_id"), update=False
        )
        session.commit()
    return inserted
