"""Trello webhooks: the delivery profile (X-Trello-Webhook, 3 retries, 410 deletes), documents, fan-out.

A webhook watches a model (board, card or the workspace); every write to a card publishes a ChangeEvent,
which becomes the card's actions, each delivered as `{action, model, webhook}` to the webhooks watching it.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from emulators.events import ChangeEvent
from emulators.ids import ObjectKind, trello_id
from emulators.runtime import EmulatorRuntime
from emulators.signing import trello_signature
from emulators.trello.actions import ActionRenderer, expand_event
from emulators.trello.formats import trello_date_or_none
from emulators.webhooks import DeliveryWorker, Subscription, WebhookProfile

__all__ = ["WebhookFanOut", "new_webhook_id", "trello_profile", "webhook_document"]

RETRY_DELAYS = (30.0, 60.0, 120.0)  # three retries


def trello_profile(app_secret: str) -> WebhookProfile:
    """Sign with the application secret over body + callbackURL; retry any failure 3 times; 410 deletes."""

    def sign(subscription: Subscription, body: bytes) -> dict[str, str]:
        return {"X-Trello-Webhook": trello_signature(app_secret, body, subscription.target)}

    return WebhookProfile(
        vendor="trello",
        sign=sign,
        retry_delays=RETRY_DELAYS,
        retry_on=lambda status: True,
        remove_on=frozenset({410}),
        attempt_timeout=30.0,
        user_agent="Trello Webhook",
    )


def new_webhook_id(runtime: EmulatorRuntime) -> str:
    """A fresh webhook id (created now, numbered by the registry)."""
    return trello_id(runtime.clock.timestamp(), ObjectKind.WEBHOOK, int(runtime.subscriptions.new_id()))


def webhook_document(subscription: Subscription) -> dict[str, object]:
    """A webhook as the API shows it."""
    return {
        "id": subscription.id,
        "description": str(subscription.data.get("description", "")),
        "idModel": subscription.resource,
        "callbackURL": subscription.target,
        "active": subscription.active,
        "consecutiveFailures": subscription.consecutive_failures,
        "firstConsecutiveFailDate": trello_date_or_none(subscription.first_failure_at),
    }


ModelDocuments = Callable[[ChangeEvent], dict[str, Callable[[], dict[str, object]]]]


class WebhookFanOut:
    """Turns each change into actions and enqueues one signed delivery per action and watching webhook."""

    def __init__(self, runtime: EmulatorRuntime, actions: ActionRenderer, models: ModelDocuments) -> None:
        self.runtime = runtime
        self.actions = actions
        self.models = models

    def on_change(self, change: ChangeEvent) -> None:
        """Enqueue deliveries for the webhooks watching the changed card, its board or the workspace."""
        worker: DeliveryWorker | None = self.runtime.webhooks
        if worker is None or not self.runtime.subscriptions.active():
            return
        refs = expand_event(change.after.index, change.event)
        if not refs:
            return
        generated = self.runtime.store.get_with_history(change.after.index, include_deleted=True)
        if generated is None or change.event.number >= len(generated.events):
            return
        watched = self.models(change)
        cache: dict[str, dict[str, object]] = {}
        for ref in refs:
            action = self.actions.render(ref, generated)

            def body_for(subscription: Subscription, action: dict[str, object] = action) -> bytes | None:
                model_id = subscription.resource
                if model_id is None or model_id not in watched:
                    return None
                if model_id not in cache:
                    cache[model_id] = watched[model_id]()
                payload = {"action": action, "model": cache[model_id], "webhook": webhook_document(subscription)}
                return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")

            worker.broadcast(body_for)
