"""Keeping the store's ``connection`` rows in step with the policy's connections."""

from __future__ import annotations

from sqlalchemy import update

from core.policy import Policy
from models.db import Database
from models.tables import CONNECTIONS
from sync.store import ensure_connection

__all__ = ["sync_connections_from_policy"]


def sync_connections_from_policy(database: Database, policy: Policy) -> dict[str, int]:
    """Create or update a row per policy connection (name, vendor, base URL, enabled); return name → id."""
    ids: dict[str, int] = {}
    for connection in policy.connections:
        connection_id = ensure_connection(
            database, name=connection.name, vendor=str(connection.vendor), base_url=connection.base_url
        )
        with database.session() as session:
            session.execute(
                update(CONNECTIONS)
                .where(CONNECTIONS.c.id == connection_id, CONNECTIONS.c.enabled.is_not(connection.enabled))
                .values(enabled=connection.enabled)
            )
            session.commit()
        ids[connection.name] = connection_id
    return ids
