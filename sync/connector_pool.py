"""Connectors for the connections of the policy in force, built on first use and rebuilt after a reload."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping

from sqlalchemy import select

from connectors.base import Connector
from connectors.factory import build_connector
from core.policy import Policy
from models.db import Database
from models.tables import CONNECTIONS
from sync.policy_bridge import connector_config_for

__all__ = ["ConnectorPool"]


class ConnectorPool:
    """``connector_for(connection_id)`` for workers; thread-safe; ``reset()`` after the policy changes."""

    def __init__(self, database: Database, policy: Callable[[], Policy], environ: Mapping[str, str]) -> None:
        self._database = database
        self._policy = policy
        self._environ = environ
        self._lock = threading.Lock()
        self._connectors: dict[int, Connector] = {}

    def connector_for(self, connection_id: int) -> Connector:
        """The connector of a stored connection, per the policy in force."""
        with self._lock:
            cached = self._connectors.get(connection_id)
            if cached is not None:
                return cached
            with self._database.read_session() as session:
                name = session.execute(select(CONNECTIONS.c.name).where(CONNECTIONS.c.id == connection_id)).scalar_one()
            config, _ = connector_config_for(self._policy(), name, self._environ)
            connector = build_connector(config)
            self._connectors[connection_id] = connector
            return connector

    def reset(self) -> None:
        """Forget every connector (credentials or URLs may have changed)."""
        with self._lock:
            self._connectors.clear()
