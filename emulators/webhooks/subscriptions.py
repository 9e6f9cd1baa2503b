"""Webhook subscriptions a vendor API creates, lists and deletes."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = ["Subscription", "SubscriptionRegistry"]


@dataclass
class Subscription:
    """One registered webhook; `data` holds what only the vendor understands (events, filters, idModel...)."""

    id: str
    target: str
    secret: str | None = None
    owner: str | None = None
    resource: str | None = None
    active: bool = True
    created_at: float = 0.0
    data: dict[str, object] = field(default_factory=dict)
    consecutive_failures: int = 0
    first_failure_at: float | None = None
    last_success_at: float | None = None
    last_failure_at: float | None = None
    last_failure_content: str = ""

    def to_json(self) -> dict[str, object]:
        """Control-API view (the secret is never shown)."""
        return {
            "id": self.id,
            "target": self.target,
            "owner": self.owner,
            "resource": self.resource,
            "active": self.active,
            "consecutive_failures": self.consecutive_failures,
            "last_success_at": self.last_success_at,
            "last_failure_at": self.last_failure_at,
            "data": self.data,
        }


class SubscriptionRegistry:
    """Thread-safe store of subscriptions, with ids from the vendor's id scheme."""

    def __init__(self, make_id: Callable[[int], str] | None = None) -> None:
        self._make_id = make_id or str
        self._counter = itertools.count(1)
        self._lock = threading.Lock()
        self._items: dict[str, Subscription] = {}

    def new_id(self) -> str:
        """A fresh subscription id."""
        with self._lock:
            return self._make_id(next(self._counter))

    def add(self, subscription: Subscription) -> Subscription:
        """Register (or replace) a subscription."""
        with self._lock:
            self._items[subscription.id] = subscription
        return subscription

    def get(self, subscription_id: str) -> Subscription | None:
        """A subscription by id."""
        with self._lock:
            return self._items.get(subscription_id)

    def remove(self, subscription_id: str) -> Subscription | None:
        """Delete a subscription; returns it if it existed."""
        with self._lock:
            return self._items.pop(subscription_id, None)

    def all(self, owner: str | None = None) -> list[Subscription]:
        """Subscriptions, optionally of one owner (a token or user), in creation order."""
        with self._lock:
            items = list(self._items.values())
        return [s for s in items if owner is None or s.owner == owner]

    def active(self) -> list[Subscription]:
        """Active subscriptions."""
        return [s for s in self.all() if s.active]
