"""What an Asana emulator is started with beyond the engine config: credentials and the domain's plan."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from emulators.config import EmulatorConfig

__all__ = ["DEFAULT_ACCESS_TOKEN", "DEFAULT_REFRESH_TOKEN", "AsanaPlan", "AsanaSettings"]

DEFAULT_ACCESS_TOKEN = "emulator-token"
DEFAULT_REFRESH_TOKEN = "emulator-refresh-token"


class AsanaPlan(StrEnum):
    """The domain's plan decides the per-minute request limit."""

    FREE = "free"
    PAID = "paid"

    @property
    def requests_per_minute(self) -> int:
        """150 requests per minute on free domains, 1,500 on paid ones."""
        return 150 if self is AsanaPlan.FREE else 1500


@dataclass(frozen=True)
class AsanaSettings:
    """Accepted personal access token, accepted OAuth refresh token and the plan."""

    access_token: str = DEFAULT_ACCESS_TOKEN
    refresh_token: str = DEFAULT_REFRESH_TOKEN
    plan: AsanaPlan = AsanaPlan.PAID

    @classmethod
    def from_config(cls, config: EmulatorConfig) -> AsanaSettings:
        """Read `credentials` (access_token, refresh_token) and `options` (plan) of the engine config."""
        return cls(
            access_token=config.credentials.get("access_token", DEFAULT_ACCESS_TOKEN),
            refresh_token=config.credentials.get("refresh_token", DEFAULT_REFRESH_TOKEN),
            plan=AsanaPlan(config.options.get("plan", AsanaPlan.PAID.value)),
        )
