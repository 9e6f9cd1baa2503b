"""What one emulator instance is started with (the CLI flags, as data)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from emulators.faults import parse_fault_spec

__all__ = ["DEFAULT_JIRA_SITE", "EmulatorConfig", "default_now"]

DEFAULT_JIRA_SITE = "https://acme.atlassian.net"


def default_now(wall: datetime | None = None) -> datetime:
    """The generator's default "now": the current UTC hour, so restarts within the hour give the same data."""
    moment = wall or datetime.now(tz=UTC)
    return moment.replace(minute=0, second=0, microsecond=0)


@dataclass
class EmulatorConfig:
    """Settings of one vendor emulator; `credentials` holds demo credential values, `options` vendor settings."""

    vendor: str
    seed: int = 1
    items: int = 1000
    now: datetime | None = None
    host: str = "127.0.0.1"
    port: int = 0
    latency_ms: float = 0.0
    rate_limit: bool = False
    faults: str = ""
    fault_seed: int | None = None
    timeout_fault_seconds: float = 30.0
    retry_after_seconds: int = 1
    activity_per_minute: float = 0.0
    webhook_time_scale: float = 0.01
    webhook_drop_rate: float = 0.0  # share of webhook deliveries silently never sent (lost-webhook tests)
    jira_site: str = DEFAULT_JIRA_SITE
    legacy_search: bool = False  # Jira: serve the removed /search as Data Center does (startAt/total)
    credentials: dict[str, str] = field(default_factory=dict)
    options: dict[str, str] = field(default_factory=dict)  # vendor-specific settings, e.g. Asana's plan

    def __post_init__(self) -> None:
        parse_fault_spec(self.faults)
        if self.activity_per_minute < 0 or self.latency_ms < 0 or self.webhook_time_scale <= 0:
            raise ValueError("activity and latency must be >= 0 and the webhook time scale > 0")
        if not 0.0 <= self.webhook_drop_rate <= 1.0:
            raise ValueError("the webhook drop rate must be within 0..1")
