"""Asana webhooks: the delivery profile (hex HMAC-SHA256 signature, backoff for 24 h then deletion),
matching events to subscriptions and their filters, and the webhook record."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from emulators.asana.activity_events import ActivityEvent
from emulators.asana.catalog import Catalog
from emulators.asana.timefmt import format_time
from emulators.ids import ObjectKind, asana_gid
from emulators.runtime import EmulatorRuntime
from emulators.signing import asana_signature
from emulators.webhooks import Subscription, WebhookProfile

__all__ = [
    "ASANA_WEBHOOKS",
    "HEARTBEAT_SECONDS",
    "RETRY_DELAYS",
    "WebhookDispatcher",
    "webhook_gid",
    "webhook_record",
]

HEARTBEAT_SECONDS = 8 * 3600.0
HEARTBEAT_BODY = b'{"events":[]}'


def _backoff(first: float, total: float) -> tuple[float, ...]:
    """Doubling delays from `first` whose sum is `total` (the last one takes the remainder)."""
    delays: list[float] = []
    delay = first
    while sum(delays) + delay < total:
        delays.append(delay)
        delay *= 2
    delays.append(total - sum(delays))
    return tuple(delays)


RETRY_DELAYS = _backoff(60.0, 24 * 3600.0)


def sign(subscription: Subscription, body: bytes) -> dict[str, str]:
    """X-Hook-Signature: hex HMAC-SHA256 of the raw body with the handshake secret."""
    return {"X-Hook-Signature": asana_signature(subscription.secret, body)} if subscription.secret else {}


ASANA_WEBHOOKS = WebhookProfile(
    vendor="asana",
    sign=sign,
    retry_delays=RETRY_DELAYS,
    retry_on=lambda status: True,
    remove_when_exhausted=True,
    attempt_timeout=10.0,
    user_agent="Asana",
)


def webhook_gid(number: int) -> str:
    """Gids of webhooks, from the registry's counter."""
    return asana_gid(ObjectKind.WEBHOOK, number)


def _time(value: float | None) -> str | None:
    return None if value is None else format_time(value)


def webhook_record(subscription: Subscription) -> dict[str, Any]:
    """The full webhook record (timestamps that do not exist yet are left out: the spec's are not nullable)."""
    data = subscription.data
    record = {
        "gid": subscription.id,
        "resource_type": "webhook",
        "active": subscription.active,
        "resource": data["resource"],
        "target": subscription.target,
        "created_at": format_time(subscription.created_at),
        "last_success_at": _time(subscription.last_success_at),
        "last_failure_at": _time(subscription.last_failure_at),
        "last_failure_content": subscription.last_failure_content,
        "delivery_retry_count": subscription.consecutive_failures,
        "failure_deletion_timestamp": _time(
            None if subscription.first_failure_at is None else subscription.first_failure_at + sum(RETRY_DELAYS)
        ),
        "filters": data.get("filters", []),
        "is_workspace_webhook": data.get("is_workspace_webhook", False),
    }
    return {key: value for key, value in record.items() if value is not None}


def _passes(event: dict[str, Any], filters: Sequence[dict[str, Any]]) -> bool:
    if not filters:
        return True
    resource = event["resource"]
    for rule in filters:
        if rule.get("resource_type") not in (None, resource.get("resource_type")):
            continue
        if rule.get("resource_subtype") not in (None, resource.get("resource_subtype")):
            continue
        if rule.get("action") not in (None, event["action"]):
            continue
        fields = rule.get("fields")
        if fields and (event.get("change") or {}).get("field") not in fields:
            continue
        return True
    return False


def _for_webhook(event: dict[str, Any]) -> dict[str, Any]:
    """Webhook events carry only gid and resource_type of the user and of changed values."""
    body = {**event, "user": {k: event["user"][k] for k in ("gid", "resource_type")}}
    body.pop("type", None)
    return body


class WebhookDispatcher:
    """Sends each write's events to the webhooks on their project or task (filters applied)."""

    def __init__(self, runtime: EmulatorRuntime, catalog: Catalog) -> None:
        self.runtime = runtime
        self.catalog = catalog

    def dispatch(self, events: Sequence[ActivityEvent]) -> None:
        """One delivery per subscription per write (Asana batches; so does this)."""
        worker = self.runtime.webhooks
        if worker is None or not events:
            return
        for subscription in self.runtime.subscriptions.active():
            filters: list[dict[str, Any]] = list(subscription.data.get("filters") or [])  # type: ignore[call-overload]
            chosen = [
                _for_webhook(e.body)
                for e in events
                if subscription.resource in (e.project, e.task) and _passes(e.body, filters)
            ]
            if chosen:
                worker.enqueue(subscription.id, json.dumps({"events": chosen}, separators=(",", ":")).encode())
