"""What the app holds while it runs, built in the lifespan from injected settings."""

from __future__ import annotations

from dataclasses import dataclass, field

from api.webhooks.registry import ReceiverRegistry
from core.crypto import SecretBox
from core.policy import PolicyHolder
from core.settings import Settings
from core.timeutil import Clock, utc_now
from models.db import Database

__all__ = ["AppState"]


@dataclass
class AppState:
    """The settings and the store of one running app."""

    settings: Settings
    database: Database
    secret_box: SecretBox
    receivers: ReceiverRegistry = field(default_factory=ReceiverRegistry)
    clock: Clock = utc_now
    policy: PolicyHolder | None = None
