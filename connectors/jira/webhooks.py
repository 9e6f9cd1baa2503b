"""Jira admin webhooks: ``X-Hub-Signature: sha256=<hex HMAC of the raw body>``; pure verify and parse."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping

from connectors.records import WebhookDelivery
from connectors.signatures import hmac_hex, matches

__all__ = ["HANDLED_EVENTS", "parse_jira_webhook", "verify_jira_signature"]

HANDLED_EVENTS = frozenset(
    {
        "jira:issue_created",
        "jira:issue_updated",
        "jira:issue_deleted",
        "comment_created",
        "comment_updated",
        "comment_deleted",
    }
)
_DIGESTS = {"sha256": "sha256", "sha1": "sha1", "sha512": "sha512"}


def verify_jira_signature(header: str | None, body: bytes, secret: str) -> bool:
    """True when ``header`` (``method=hex``) is the HMAC of the raw ``body`` with ``secret``."""
    if not header or not secret:
        return False
    method, _, signature = header.strip().partition("=")
    digest = _DIGESTS.get(method.lower())
    if digest is None or not signature:
        return False
    return matches(hmac_hex(secret.encode(), body, digest), signature.lower())


def parse_jira_webhook(headers: Mapping[str, str], body: bytes) -> tuple[WebhookDelivery, ...]:
    """One delivery: identified by ``X-Atlassian-Webhook-Identifier`` (stable across retries)."""
    payload = json.loads(body)
    if not isinstance(payload, dict):
        raise ValueError("a Jira webhook body is a JSON object")
    event = str(payload.get("webhookEvent") or "")
    issue = payload.get("issue") if isinstance(payload.get("issue"), dict) else {}
    issue_id = issue.get("id") if isinstance(issue, dict) else None
    delivery_id = headers.get("x-atlassian-webhook-identifier") or (
        # Without the header (a relay that drops it), the body itself is the identity: retries repeat it.
        "body-" + hashlib.sha256(body).hexdigest()
    )
    return (
        WebhookDelivery(
            delivery_id=str(delivery_id),
            event_type=event or "unknown",
            entity_external_id=str(issue_id) if issue_id is not None else None,
            ignored=event not in HANDLED_EVENTS or issue_id is None,
        ),
    )
