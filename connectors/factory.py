"""Building the connector of a connection: each vendor package registers its builder on import."""

from __future__ import annotations

import importlib
from collections.abc import Callable

from connectors.base import Connector
from connectors.config import ConnectorConfig
from models.enums import Vendor

__all__ = ["build_connector", "register_connector"]

ConnectorBuilder = Callable[[ConnectorConfig], Connector]

_BUILDERS: dict[Vendor, ConnectorBuilder] = {}
_PACKAGES = {Vendor.JIRA: "connectors.jira", Vendor.TRELLO: "connectors.trello", Vendor.ASANA: "connectors.asana"}


def register_connector(vendor: Vendor, builder: ConnectorBuilder) -> None:
    """Make ``builder`` the way to build ``vendor`` connectors (called by ``connectors/<vendor>/__init__.py``)."""
    _BUILDERS[vendor] = builder


def build_connector(config: ConnectorConfig) -> Connector:
    """The connector for ``config.vendor``, built from ``config``."""
    if config.vendor not in _BUILDERS:
        importlib.import_module(_PACKAGES[config.vendor])
    builder = _BUILDERS.get(config.vendor)
    if builder is None:
        raise LookupError(f"no connector is registered for {config.vendor}")
    return builder(config)
