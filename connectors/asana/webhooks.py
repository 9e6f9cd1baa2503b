"""Asana webhooks: ``X-Hook-Signature`` = hex HMAC-SHA256(X-Hook-Secret, raw body); pure verify and parse."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from connectors.records import WebhookDelivery
from connectors.signatures import hmac_hex, matches

__all__ = ["event_identity", "parse_asana_webhook", "verify_asana_signature"]


def verify_asana_signature(header: str | None, body: bytes, secret: str) -> bool:
    """True when ``header`` is the hex HMAC-SHA256 of the raw ``body`` with the handshake secret."""
    if not header or not secret:
        return False
    return matches(hmac_hex(secret.encode(), body), header.strip().lower())


def event_identity(event: Mapping[str, Any]) -> str:
    """A stable id for an Asana event (Asana sends none): a digest of what the event says happened."""
    resource = event.get("resource") or {}
    change = event.get("change") or {}
    parts = [
        str(resource.get("gid")),
        str(event.get("action")),
        str(event.get("created_at")),
        str((event.get("user") or {}).get("gid")),
        str((event.get("parent") or {}).get("gid")),
        str(change.get("field")),
        json.dumps(change, sort_keys=True, default=str),
    ]
    return "evt-" + hashlib.sha256("|".join(parts).encode()).hexdigest()[:40]


def _task_gid(event: Mapping[str, Any]) -> str | None:
    resource = event.get("resource") or {}
    if resource.get("resource_type") == "task":
        return str(resource.get("gid"))
    parent = event.get("parent") or {}
    if resource.get("resource_type") == "story" and parent.get("resource_type") == "task":
        return str(parent.get("gid"))
    return None


def parse_asana_webhook(headers: Mapping[str, str], body: bytes) -> tuple[WebhookDelivery, ...]:
    """One delivery per event; a heartbeat (``events: []``) has none."""
    payload = json.loads(body)
    events = payload.get("events") if isinstance(payload, dict) else None
    if not isinstance(events, list):
        raise ValueError("an Asana webhook body is an object with an events list")
    deliveries = []
    for event in events:
        if not isinstance(event, dict):
            raise ValueError("every Asana event is an object")
        task_gid = _task_gid(event)
        deliveries.append(
            WebhookDelivery(
                delivery_id=event_identity(event),
                event_type=f"{(event.get('resource') or {}).get('resource_type', 'unknown')}.{event.get('action')}",
                entity_external_id=task_gid,
                ignored=task_gid is None,
            )
        )
    return tuple(deliveries)
