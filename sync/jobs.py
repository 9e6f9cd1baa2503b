"""The jobs `baton serve` schedules from the policy: incremental syncs per connection, the rules sweep, the nightly
report (build, store, deliver), inbox retries (when no inbox worker runs) and pruning. Each is also a command
(`baton sync`, `baton rules run`, `baton report`, `baton webhooks process`) for an external cron."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
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
from sync.inbox import InboxProcessor
from sync.policy_bridge import PolicyBridge
from sync.rules.evaluate import run_sweep
from sync.scheduler import ScheduledJob

__all__ = [
    "KEEP_INBOX_DAYS",
    "KEEP_RUNS_DAYS",
    "nightly_report",
    "prune_history",
    "retry_inbox",
    "scheduled_jobs",
    "sweep_rules",
]

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


def sweep_rules(database: Database, policy: Policy, clock: Clock) -> None:
    """Evaluate every rule over the store (the ``rules`` schedule)."""
    summary = run_sweep(database, policy, clock())
    log.info("scheduled rules sweep: %d items in %.1f s", summary.items, summary.seconds)


def nightly_report(
    database: Database, policy: Policy, clock: Clock, environ: Mapping[str, str], public_url: str | None
) -> None:
    """Build, store and deliver today's reports (the ``report`` schedule); a failed delivery fails the job."""
    from reporting.nightly import run_nightly_reports  # the report stack loads only when the job runs

    outcomes = run_nightly_reports(database, policy, clock=clock, environ=environ, public_url=public_url)
    failed = [f"{o.stored.team_scope}->{d.channel}" for o in outcomes for d in o.deliveries if d.status == "failed"]
    if failed:
        raise RuntimeError(f"report delivery failed: {', '.join(failed)}")


def retry_inbox(database: Database, pool: ConnectorPool, clock: Clock) -> None:
    """Apply the webhook events due for a (re)try (the ``inbox_retry`` schedule, when no inbox worker runs)."""
    outcome = InboxProcessor(database, pool.connector_for, clock=clock).drain()
    if outcome.claimed:
        log.info(
            "scheduled inbox pass: %d claimed, %d done, %d retried later",
            outcome.claimed,
            outcome.done,
            outcome.retried,
        )


def scheduled_jobs(
    database: Database,
    policy: Policy,
    pool: ConnectorPool,
    *,
    clock: Clock = utc_now,
    environ: Mapping[str, str] | None = None,
    public_url: str | None = None,
    inbox_retries: bool = True,
) -> list[ScheduledJob]:
    """The jobs the policy schedules. ``inbox_retries=False`` when an inbox worker already drains the inbox."""
    schedules = policy.schedules
    timezone = str(schedules.timezone)
    jobs: list[ScheduledJob] = []
    for connection in policy.connections:
        if connection.enabled:
            run: Callable[[], object] = partial(_sync_one, database, pool, policy, connection.name, clock)
            jobs.append(
                ScheduledJob(f"sync:{connection.name}", schedules.sync.for_connection(connection.name), run, timezone)
            )
    jobs.append(ScheduledJob("rules", schedules.rules, partial(sweep_rules, database, policy, clock), timezone))
    report = partial(nightly_report, database, policy, clock, environ if environ is not None else {}, public_url)
    jobs.append(ScheduledJob("report", schedules.report, report, timezone))
    if inbox_retries:
        jobs.append(
            ScheduledJob("inbox_retry", schedules.inbox_retry, partial(retry_inbox, database, pool, clock), timezone)
        )
    jobs.append(ScheduledJob("prune", schedules.prune, partial(prune_history, database, now_fn=clock), timezone))
    return jobs
