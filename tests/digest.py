"""A digest of the store's vendor data, to compare runs (P7, P8, D4): bookkeeping timestamps left out."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy import select

from models.db import Database
from models.tables import ITEMS, LABELS, TRANSITIONS

ITEM_COLUMNS = [
    c
    for c in ITEMS.c
    if c.name
    not in {
        "id",
        "connection_id",
        "first_seen_at",
        "last_seen_at",
        "updated_at",
        "deleted_at",
        "container_id",
        "subcontainer_id",
        "assignee_person_id",
    }
]


def _plain(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def store_digest(database: Database, *, include_deleted: bool = True) -> str:
    """SHA-256 over every item (vendor-derived columns), its labels and its history, in a stable order."""
    digest = hashlib.sha256()
    with database.read_session() as session:
        query = select(*ITEM_COLUMNS, ITEMS.c.deleted_at.is_not(None).label("deleted")).order_by(
            ITEMS.c.source, ITEMS.c.external_id
        )
        for row in session.execute(query):
            if include_deleted or not row.deleted:
                digest.update(json.dumps([_plain(v) for v in row], sort_keys=True, default=str).encode())
        labels = select(ITEMS.c.external_id, LABELS.c.label).join(ITEMS, ITEMS.c.id == LABELS.c.work_item_id)
        for row in session.execute(labels.order_by(ITEMS.c.external_id, LABELS.c.label)):
            digest.update(f"L{row[0]}:{row[1]}".encode())
        history = select(
            ITEMS.c.external_id,
            TRANSITIONS.c.event_id,
            TRANSITIONS.c.field,
            TRANSITIONS.c.to_value,
            TRANSITIONS.c.changed_at,
        ).join(ITEMS, ITEMS.c.id == TRANSITIONS.c.work_item_id)
        for row in session.execute(history.order_by(ITEMS.c.external_id, TRANSITIONS.c.event_id, TRANSITIONS.c.field)):
            digest.update(json.dumps([_plain(v) for v in row], default=str).encode())
    return digest.hexdigest()
