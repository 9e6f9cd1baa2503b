"""Building the connector of a connection: each vendor package registers its builder on import."""

from __future__ import annotations

import dataclasses
import importlib
import os
from collections.abc import Callable, Mapping

import httpx

from connectors.base import Connector
from connectors.config import ConnectorConfig
from connectors.http import DestinationRefused, GuardedTransport
from core.net_policy import ForbiddenDestination, NetPolicy
from models.enums import Vendor

__all__ = ["build_connector", "guard_config", "register_connector"]

ConnectorBuilder = Callable[[ConnectorConfig], Connector]

_BUILDERS: dict[Vendor, ConnectorBuilder] = {}
_PACKAGES = {Vendor.JIRA: "connectors.jira", Vendor.TRELLO: "connectors.trello", Vendor.ASANA: "connectors.asana"}


def register_connector(vendor: Vendor, builder: ConnectorBuilder) -> None:
    """Make ``builder`` the way to build ``vendor`` connectors (called by ``connectors/<vendor>/__init__.py``)."""
    _BUILDERS[vendor] = builder


def guard_config(config: ConnectorConfig, environ: Mapping[str, str] | None = None) -> ConnectorConfig:
    """``config`` under the deployment's :class:`NetPolicy` (A9, SSRF): its base URL checked now (raises
    :class:`~connectors.http.DestinationRefused`), and every request's destination checked when it is sent."""
    policy = config.net_policy or NetPolicy.from_environ(os.environ if environ is None else environ)
    try:
        policy.check_url(config.base_url)
    except ForbiddenDestination as error:
        raise DestinationRefused(f"connection {config.name!r}: base URL refused: {error}") from error
    transport = GuardedTransport(config.transport or httpx.HTTPTransport(), policy)
    return dataclasses.replace(config, net_policy=policy, transport=transport)


def build_connector(config: ConnectorConfig) -> Connector:
    """The connector for ``config.vendor``, built from ``config`` (destinations guarded: :func:`guard_config`)."""
    config = guard_config(config)
    if config.vendor not in _BUILDERS:
        importlib.import_module(_PACKAGES[config.vendor])
    builder = _BUILDERS.get(config.vendor)
    if builder is None:
        raise LookupError(f"no connector is registered for {config.vendor}")
    return builder(config)
