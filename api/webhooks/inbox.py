"""Storing verified deliveries in the inbox (``webhook_event``): insert-if-new, then commit."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from connectors.records import WebhookDelivery
from models.db import Database
from models.enums import WebhookEventStatus
from models.tables import WEBHOOK_EVENTS
from sync.upsert import dialect_insert

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


def _insert_new(dialect: str) -> Any:
    """``INSERT … ON CONFLICT DO NOTHING RETURNING`` the key: built once per dialect (SQLAlchemy caches its SQL)."""
    statement = dialect_insert(dialect, WEBHOOK_EVENTS).on_conflict_do_nothing(index_elements=list(_KEY))
    return statement.returning(*(WEBHOOK_EVENTS.c[column] for column in _KEY))


_INSERT_NEW = {dialect: _insert_new(dialect) for dialect in ("sqlite", "postgresql")}


def insert_inbox_rows(connection: Connection | Session, rows: Sequence[dict[str, Any]]) -> set[InboxKey]:
    """Insert the rows not already in the inbox (``ON CONFLICT DO NOTHING``); the keys that were new.

    Multi-row statements (one per ``insertmanyvalues_page_size`` rows); a key repeated within ``rows`` is
    inserted once (its first row), and rows go in key order, so concurrent writers take row locks in one order."""
    if not rows:
        return set()
    unique: dict[InboxKey, dict[str, Any]] = {}
    for row in rows:
        unique.setdefault(row_key(row), row)
    dialect = connection.get_bind().dialect.name if isinstance(connection, Session) else connection.dialect.name
    inserted = connection.execute(_INSERT_NEW[dialect], [unique[key] for key in sorted(unique)])
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
