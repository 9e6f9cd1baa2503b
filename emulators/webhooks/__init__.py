"""Outgoing webhooks: subscriptions, signed deliveries with retries, and vendor handshakes."""

from emulators.webhooks.delivery import DeliveryOutcome, DeliveryRecord, DeliveryWorker, WebhookProfile
from emulators.webhooks.handshakes import asana_handshake, head_check
from emulators.webhooks.subscriptions import Subscription, SubscriptionRegistry

__all__ = [
    "DeliveryOutcome",
    "DeliveryRecord",
    "DeliveryWorker",
    "Subscription",
    "SubscriptionRegistry",
    "WebhookProfile",
    "asana_handshake",
    "head_check",
]
