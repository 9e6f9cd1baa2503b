"""Change notifications: every write (API or simulated) publishes a ChangeEvent; vendors make webhooks."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from emulators.org.model import Event, Item, Vendor

__all__ = ["ChangeBus", "ChangeEvent", "ChangeKind"]


class ChangeKind(StrEnum):
    """What happened to an item."""

    CREATED = "created"
    UPDATED = "updated"
    DELETED = "deleted"


@dataclass(frozen=True)
class ChangeEvent:
    """One applied change: the history event and the item before and after it."""

    vendor: Vendor
    kind: ChangeKind
    event: Event
    before: Item | None
    after: Item


Listener = Callable[[ChangeEvent], None]


class ChangeBus:
    """Synchronous fan-out of ChangeEvents to listeners (which must be quick: enqueue, don't deliver)."""

    def __init__(self) -> None:
        self._listeners: list[Listener] = []
        self._lock = threading.Lock()
        self.published = 0

    def subscribe(self, listener: Listener) -> None:
        """Call `listener` for every future change."""
        with self._lock:
            self._listeners.append(listener)

    def publish(self, change: ChangeEvent) -> None:
        """Hand a change to every listener."""
        with self._lock:
            listeners = list(self._listeners)
            self.published += 1
        for listener in listeners:
            listener(change)
