"""Asana API 1.0: the connector registers itself with the factory on import."""

from connectors.asana.connector import AsanaConnector
from connectors.config import ConnectorConfig
from connectors.factory import register_connector
from models.enums import Vendor

__all__ = ["AsanaConnector", "build"]


def build(config: ConnectorConfig) -> AsanaConnector:
    """The connector of an Asana connection (paid-plan limits: 1,500 requests a minute)."""
    return AsanaConnector(config)


register_connector(Vendor.ASANA, build)
