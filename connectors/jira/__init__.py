"""Jira Cloud: platform REST v3 and Agile 1.0."""

from connectors.factory import register_connector
from connectors.jira.connector import JiraConnector, build
from models.enums import Vendor

__all__ = ["JiraConnector", "build"]

register_connector(Vendor.JIRA, build)
