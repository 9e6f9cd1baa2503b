"""The jobs `baton serve` schedules from the policy: incremental syncs per connection, and pruning."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from functools import partial

from sqlalchemy import delete, select

from core.policy import Policy
from core.timeutil import Clock, utc_now
from models.db import Database
from models.enums import Vendor, WebhookEventStatus
from models.tables import CONNECTIONS, RUNS, WEBHOOK_EVENTS
from sync.connector_pool import ConnectorPool
from sync.engine import run_sync
from sync.policy_bridge import PolicyBridge
from sync.rules.on_change import evaluate_changed
from sync.scheduler import ScheduledJob

__all__ = ["KEEP_INBOX_DAYS", "KEEP_RUNS_DAYS", "prune_history", "scheduled_jobs"]

log = logging.getLogger(__name__)

KEEP_INBOX_DAYS = 14
KEEP_RUNS_DAYS = 90


def prune_history(database: Database, *, now_fn: Clock = utc_now) -> tuple[int, int]:
    """Delete processed inbox rows older than 14 days and sync runs older than 90; returns both counts."""
    now = now_fn()
    with database.session() as session:
        inbox = session.execute(
            delete(WEBHOOK_EVENTS)
            .where(
                WEBHOOK_EVENTS.c.status.in_([str(WebhookEventStatus.DONE), str(WebhookEventStatus.IGNORED)]),
                WEBHOOK_EVENTS.c.received_at < now - timedelta(days=KEEP_INBOX_DAYS),
            )
            .returning(WEBHOOK_EVENTS.c.id)
        ).all()
        runs = session.execute(
            delete(RUNS).where(RUNS.c.started_at < now - timedelta(days=KEEP_RUNS_DAYS)).returning(RUNS.c.id)
        ).all()
        session.commit()
    return len(inbox), len(runs)


def _sync_one(database: Database, pool: ConnectorPool, policy: Policy, name: str, clock: Clock) -> None:
    with database.read_session() as session:
        connection_id, vendor = session.execute(
            select(CONNECTIONS.c.id, CONNECTIONS.c.vendor).where(CONNECTIONS.c.name == name)
        ).one()
    bridge = PolicyBridge(policy, name)
    report = run_sync(
        database,
        connection_id=connection_id,
        vendor=Vendor(vendor),
        connector=pool.connector_for(connection_id),
        clock=clock,
        on_discovered=partial(bridge.assign_teams, database, connection_id),
    )
    log.info("scheduled sync of %s: %s, %d changed", name, report.status, report.items_changed)
    evaluate_changed(database, policy, report.changed_item_ids, clock)  # rules on what this run changed


def scheduled_jobs(
    database: Database, policy: Policy, pool: ConnectorPool, *, clock: Clock = utc_now
) -> list[ScheduledJob]:
    """The jobs the policy schedules (more join as the rules and report jobs land)."""
    schedules = policy.schedules
    timezone = str(schedules.timezone)
    jobs: list[ScheduledJob] = []
    for connection in policy.connections:
        if connection.enabled:
            run: Callable[[], object] = partial(_sync_one, database, pool, policy, connection.name, clock)
            jobs.append(
                ScheduledJob(f"sync:{connection.name}", schedules.sync.for_connection(connection.name), run, timezone)
            )
    jobs.append(ScheduledJob("prune", schedules.prune, partial(prune_history, database, now_fn=clock), timezone))
    return jobs
