"""When Baton's jobs run: cron expressions, in the schedules' time zone."""

from __future__ import annotations

from pydantic import Field

from core.policy.base import Name, PolicyModel, TimeZoneName
from core.policy.cron import CronExpression

__all__ = ["Schedules", "SyncSchedule"]


class SyncSchedule(PolicyModel):
    """Incremental syncs (polling, the source of truth behind webhooks): a default and per-connection cadences."""

    default: CronExpression = Field(default="*/15 * * * *", description="Every connection without its own entry.")
    connections: dict[Name, CronExpression] = Field(
        default_factory=dict, description="A cadence per connection name, e.g. {trello: '*/5 * * * *'}."
    )

    def for_connection(self, name: str) -> str:
        """The cron expression that schedules syncs of connection ``name``."""
        return self.connections.get(name, self.default)


class Schedules(PolicyModel):
    """Cron expressions of the scheduled jobs."""

    timezone: TimeZoneName = Field(default="UTC", description="The IANA time zone the expressions are read in.")
    sync: SyncSchedule = Field(default_factory=SyncSchedule, description="Incremental syncs.")
    rules: CronExpression = Field(default="5 * * * *", description="Evaluate the rules (findings).")
    report: CronExpression = Field(default="0 6 * * 1-5", description="Build and deliver the hygiene report.")
    inbox_retry: CronExpression = Field(default="* * * * *", description="Retry failed webhook deliveries.")
    prune: CronExpression = Field(default="30 3 * * *", description="Prune old sync runs and processed inbox rows.")
