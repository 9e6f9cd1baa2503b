"""Building the receivers' in-memory registry from the policy (secrets) and the store (handshake secrets)."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from sqlalchemy import select

from api.webhooks.registry import ReceiverTarget
from core.crypto import InvalidToken, SecretBox
from core.policy import Policy
from core.policy.connections import AsanaConnection, JiraConnection, TrelloConnection
from core.policy.secrets import MissingSecretError, resolve_secret
from models.db import Database
from models.enums import Vendor
from models.tables import WEBHOOK_SUBSCRIPTIONS

__all__ = ["build_receiver_targets", "callback_url"]

log = logging.getLogger(__name__)


def callback_url(public_url: str | None, vendor: Vendor, connection: str) -> str | None:
    """Where a vendor delivers a connection's webhooks (``None`` until ``BATON_PUBLIC_URL`` is set)."""
    if not public_url:
        return None
    return f"{public_url.rstrip('/')}/webhooks/{vendor}/{connection}"


def _policy_secret(
    connection: JiraConnection | TrelloConnection | AsanaConnection, environ: Mapping[str, str]
) -> str | None:
    value = connection.credentials.app_secret if isinstance(connection, TrelloConnection) else connection.webhook_secret
    if value is None:
        return None
    try:
        return resolve_secret(value, environ, where=f"connection '{connection.name}' webhook secret")
    except MissingSecretError as error:
        log.warning("webhooks of %s will be refused: %s", connection.name, error)
        return None


def _handshake_secrets(database: Database, connection_id: int, box: SecretBox) -> dict[str, str]:
    with database.read_session() as session:
        rows = session.execute(
            select(WEBHOOK_SUBSCRIPTIONS.c.token, WEBHOOK_SUBSCRIPTIONS.c.secret_encrypted).where(
                WEBHOOK_SUBSCRIPTIONS.c.connection_id == connection_id,
                WEBHOOK_SUBSCRIPTIONS.c.active.is_(True),
                WEBHOOK_SUBSCRIPTIONS.c.secret_encrypted.is_not(None),
            )
        ).all()
    secrets: dict[str, str] = {}
    for token, encrypted in rows:
        try:
            secrets[token] = box.decrypt(encrypted)
        except InvalidToken:
            log.error("a webhook secret of connection %s cannot be decrypted with the configured keys", connection_id)
    return secrets


def build_receiver_targets(
    database: Database,
    policy: Policy,
    connection_ids: Mapping[str, int],
    box: SecretBox,
    *,
    public_url: str | None,
    environ: Mapping[str, str],
) -> list[ReceiverTarget]:
    """One receiver per enabled connection of the policy."""
    targets = []
    for connection in policy.connections:
        if not connection.enabled or connection.name not in connection_ids:
            continue
        vendor = Vendor(str(connection.vendor))
        connection_id = connection_ids[connection.name]
        targets.append(
            ReceiverTarget(
                connection_id=connection_id,
                name=connection.name,
                vendor=vendor,
                secret=_policy_secret(connection, environ),
                callback_url=callback_url(public_url, vendor, connection.name),
                subscription_secrets=_handshake_secrets(database, connection_id, box) if vendor is Vendor.ASANA else {},
            )
        )
    return targets
