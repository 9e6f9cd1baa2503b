"""Asana API 1.0: the connector registers itself with the factory on import."""

from connectors.asana.connector import AsanaConnector
from connectors.config import ConnectorConfig
from connectors.factory import register_connector
from models.enums import Vendor

__all__ = ["AsanaConnector", "build"]


def build(config: ConnectorConfig) -> AsanaConnector:
    """The connector of an Asana connection (its plan's rate limit: ``config.requests_per_minute``, else paid)."""
    return AsanaConnector(config)


register_connector(Vendor.ASANA, build)
