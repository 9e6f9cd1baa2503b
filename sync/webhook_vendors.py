"""The vendor side of webhook registration: what each tool watches, and its webhooks created, listed, deleted.

One adapter per vendor over the connector clients (which own the SDK calls: the ``jira`` session for admin
webhooks, py-trello's ``create_hook``, the Asana SDK's ``WebhooksApi``):

- Jira: one admin webhook per site (every issue), signed with the connection's ``webhook_secret``.
- Trello: one webhook per open board; Trello signs every delivery with the application secret.
- Asana: one webhook per live project; the secret is negotiated in the ``X-Hook-Secret`` handshake, which
  reaches Baton's receiver while the create call waits.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from connectors.asana.client import AsanaClient
from connectors.config import ConnectorConfig
from connectors.errors import NotFound
from connectors.jira.client import JiraClient, webhook_id_of
from connectors.trello.client import TrelloApi
from models.enums import Vendor

__all__ = [
    "JIRA_SITE_RESOURCE",
    "AsanaHooks",
    "JiraHooks",
    "TrelloHooks",
    "VendorHook",
    "VendorHooks",
    "WatchedResource",
    "vendor_hooks_for",
]

JIRA_SITE_RESOURCE = "site"
"""The resource name of Jira's one site-wide admin webhook."""

DESCRIPTION = "Baton"


@dataclass(frozen=True)
class WatchedResource:
    """Something a webhook watches: a Jira site, a Trello board, an Asana project."""

    id: str
    name: str


@dataclass(frozen=True)
class VendorHook:
    """A webhook as the vendor lists it."""

    external_id: str
    callback_url: str
    resource: str | None
    active: bool


class VendorHooks(Protocol):
    """A vendor's webhooks for one connection."""

    def resources(self) -> list[WatchedResource]:
        """What Baton watches with one webhook each."""
        ...

    def create(self, resource: str, callback_url: str, secret: str | None) -> str:
        """Create a webhook on ``resource`` delivering to ``callback_url``; returns the vendor's id."""
        ...

    def list(self) -> list[VendorHook]:
        """Every webhook of the account (Baton's and others')."""
        ...

    def delete(self, external_id: str) -> bool:
        """Delete a webhook; ``False`` when the vendor no longer has it."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...


class JiraHooks:
    """Jira Cloud admin webhooks (``/rest/webhooks/1.0/webhook`` through the ``jira`` SDK's session)."""

    def __init__(self, client: JiraClient) -> None:
        self.client = client

    def resources(self) -> list[WatchedResource]:
        """The whole site: one webhook for every issue."""
        return [WatchedResource(JIRA_SITE_RESOURCE, "every issue of the site")]

    def create(self, resource: str, callback_url: str, secret: str | None) -> str:
        """An admin webhook for every issue, signed with ``secret``."""
        if not secret:
            raise ValueError("a Jira admin webhook needs a secret")
        return webhook_id_of(self.client.register_webhook(callback_url, secret, name=DESCRIPTION))

    def list(self) -> list[VendorHook]:
        """The site's admin webhooks."""
        return [
            VendorHook(webhook_id_of(hook), str(hook.get("url") or ""), JIRA_SITE_RESOURCE, bool(hook.get("enabled")))
            for hook in self.client.list_webhooks()
        ]

    def delete(self, external_id: str) -> bool:
        """Delete an admin webhook."""
        try:
            self.client.delete_webhook(external_id)
        except NotFound:
            return False
        return True

    def close(self) -> None:
        """Release connections."""
        self.client.close()


class TrelloHooks:
    """Trello webhooks through py-trello (``create_hook``, ``list_hooks``), one per open board."""

    def __init__(self, api: TrelloApi) -> None:
        self.api = api

    def resources(self) -> list[WatchedResource]:
        """The token's open boards."""
        return [WatchedResource(str(board["id"]), str(board.get("name") or "")) for board in self.api.boards()]

    def create(self, resource: str, callback_url: str, secret: str | None) -> str:
        """A webhook on a board (Trello checks the callback with HEAD first)."""
        return self.api.register_webhook(callback_url, resource, DESCRIPTION).id

    def list(self) -> list[VendorHook]:
        """The token's webhooks."""
        return [VendorHook(h.id, h.callback_url, h.id_model, h.active) for h in self.api.list_webhooks()]

    def delete(self, external_id: str) -> bool:
        """Delete a webhook."""
        try:
            self.api.delete_webhook(external_id)
        except NotFound:
            return False
        return True

    def close(self) -> None:
        """Release connections."""
        self.api.close()


def _gid_of(value: Any) -> str | None:
    if isinstance(value, dict):
        gid = value.get("gid")
        return None if gid is None else str(gid)
    return None if value is None else str(value)


class AsanaHooks:
    """Asana webhooks through the SDK's ``WebhooksApi``, one per live project of every workspace."""

    def __init__(self, client: AsanaClient) -> None:
        self.client = client
        self._workspaces: list[str] | None = None

    def _workspace_ids(self) -> list[str]:
        if self._workspaces is None:
            self._workspaces = [str(w["gid"]) for w in self.client.workspaces()]
        return self._workspaces

    def resources(self) -> list[WatchedResource]:
        """Every live project."""
        return [
            WatchedResource(str(project["gid"]), str(project.get("name") or ""))
            for workspace in self._workspace_ids()
            for project in self.client.projects(workspace)
        ]

    def create(self, resource: str, callback_url: str, secret: str | None) -> str:
        """A project webhook; the handshake reaches ``callback_url`` before this returns."""
        created = self.client.register_webhook(resource, callback_url)
        gid = _gid_of(created)
        if gid is None:
            raise ValueError("Asana created a webhook without a gid")
        return gid

    def list(self) -> list[VendorHook]:
        """The token's webhooks in every workspace."""
        return [
            VendorHook(
                str(hook["gid"]), str(hook.get("target") or ""), _gid_of(hook.get("resource")), bool(hook.get("active"))
            )
            for workspace in self._workspace_ids()
            for hook in self.client.list_webhooks(workspace)
        ]

    def delete(self, external_id: str) -> bool:
        """Delete a webhook."""
        try:
            self.client.delete_webhook(external_id)
        except NotFound:
            return False
        return True

    def close(self) -> None:
        """Release connections."""
        self.client.close()


def vendor_hooks_for(config: ConnectorConfig) -> VendorHooks:
    """The webhook adapter of a connection (its client built from ``config``)."""
    if config.vendor is Vendor.JIRA:
        return JiraHooks(JiraClient(config))
    if config.vendor is Vendor.TRELLO:
        return TrelloHooks(TrelloApi(config))
    return AsanaHooks(AsanaClient(config))
