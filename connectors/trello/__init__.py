"""Trello REST v1: registers the Trello connector with the factory on import."""

from connectors.config import ConnectorConfig
from connectors.factory import register_connector
from connectors.trello.connector import TrelloConnector
from models.enums import Vendor

__all__ = ["TrelloConnector", "build"]


def build(config: ConnectorConfig) -> TrelloConnector:
    """The connector of one Trello connection."""
    return TrelloConnector(config)


register_connector(Vendor.TRELLO, build)
