"""What a receiver needs to verify a delivery, held in memory so rejecting a forgery costs no query."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace

from models.enums import Vendor

__all__ = ["ReceiverRegistry", "ReceiverTarget"]


@dataclass(frozen=True)
class ReceiverTarget:
    """One connection's receiver: its signing secret(s) and, for Trello, the callback URL it signs."""

    connection_id: int
    name: str
    vendor: Vendor
    secret: str | None = None
    callback_url: str | None = None
    subscription_secrets: dict[str, str] = field(default_factory=dict)

    def secrets_for(self, subscription: str | None) -> list[str]:
        """Secrets a delivery may be signed with: its subscription's, else every known one."""
        if subscription is not None and subscription in self.subscription_secrets:
            return [self.subscription_secrets[subscription]]
        known = list(self.subscription_secrets.values())
        return known + ([self.secret] if self.secret else [])


class ReceiverRegistry:
    """Connection name → :class:`ReceiverTarget`; replaced wholesale on policy reload, thread-safe."""

    def __init__(self, targets: list[ReceiverTarget] | None = None) -> None:
        self._lock = threading.Lock()
        self._targets = {(t.vendor, t.name): t for t in targets or []}

    def get(self, vendor: Vendor, name: str) -> ReceiverTarget | None:
        """The receiver of ``vendor`` connection ``name``."""
        with self._lock:
            return self._targets.get((vendor, name))

    def replace_all(self, targets: list[ReceiverTarget]) -> None:
        """Install a new set of receivers (after a policy reload)."""
        with self._lock:
            self._targets = {(t.vendor, t.name): t for t in targets}

    def add_subscription_secret(self, vendor: Vendor, name: str, subscription: str, secret: str) -> None:
        """Remember a secret learned in a handshake (Asana's X-Hook-Secret)."""
        with self._lock:
            target = self._targets.get((vendor, name))
            if target is not None:
                secrets = {**target.subscription_secrets, subscription: secret}
                self._targets[(vendor, name)] = replace(target, subscription_secrets=secrets)
