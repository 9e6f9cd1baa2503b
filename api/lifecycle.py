"""What the app does when it starts and stops: the store, the policy (hot-reloaded), webhook receivers."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path

from api.inbox_worker import InboxWorker
from api.state import AppState
from api.webhooks.registry import ReceiverRegistry
from api.webhooks.targets import build_receiver_targets
from core.crypto import SecretBox, load_or_create_key_file
from core.policy import LoadedPolicy, PolicyHolder
from core.policy.reload import run_policy_refresh
from core.settings import Settings
from core.timeutil import Clock
from models.db import Database
from sync.connections import sync_connections_from_policy
from sync.connector_pool import ConnectorPool
from sync.inbox import InboxProcessor
from sync.jobs import scheduled_jobs
from sync.scheduler import Scheduler, SchedulerThread

__all__ = ["build_secret_box", "running_state"]

log = logging.getLogger(__name__)


def build_secret_box(settings: Settings) -> SecretBox:
    """The box that encrypts secrets at rest: keys from the settings, or (development) a local key file."""
    if settings.secret_keys:
        return SecretBox.from_csv(settings.secret_keys)
    if settings.environment == "production":
        raise RuntimeError("BATON_SECRET_KEYS is required in production (Fernet keys, newest first)")
    return SecretBox([load_or_create_key_file(Path(".baton") / "secret.key")])


def apply_policy(state: AppState, loaded: LoadedPolicy, environ: Mapping[str, str]) -> None:
    """Bring connections and webhook receivers in line with a policy now in force."""
    ids = sync_connections_from_policy(state.database, loaded.policy)
    state.receivers.replace_all(
        build_receiver_targets(
            state.database,
            loaded.policy,
            ids,
            state.secret_box,
            public_url=state.settings.public_url,
            environ=environ,
        )
    )
    for warning in loaded.warnings:
        log.warning("policy: %s", warning)


@asynccontextmanager
async def running_state(
    settings: Settings,
    database: Database | None,
    *,
    receivers: ReceiverRegistry | None,
    clock: Clock,
    environ: Mapping[str, str] | None = None,
) -> AsyncIterator[AppState]:
    """Build the app's state, keep the policy fresh while it runs, and release everything afterwards."""
    env = environ if environ is not None else os.environ
    store = database or Database.from_url(
        settings.database_url, busy_timeout_ms=settings.sqlite_busy_timeout_ms, pool_size=settings.db_pool_size
    )
    state = AppState(
        settings=settings,
        database=store,
        secret_box=build_secret_box(settings),
        receivers=receivers or ReceiverRegistry(),
        clock=clock,
    )
    refresher: asyncio.Task[None] | None = None
    worker: InboxWorker | None = None
    ticker: SchedulerThread | None = None
    if settings.policy is not None:
        holder = PolicyHolder.from_file(settings.policy, now=clock())
        state.policy = holder
        pool = ConnectorPool(store, lambda: holder.policy, env)
        apply_policy(state, holder.current, env)

        def reload(loaded: LoadedPolicy) -> None:
            apply_policy(state, loaded, env)
            pool.reset()

        refresher = asyncio.create_task(
            run_policy_refresh(holder, interval_seconds=settings.policy_refresh_seconds, clock=clock, on_reload=reload)
        )
        if settings.inbox_worker:
            worker = InboxWorker(InboxProcessor(store, pool.connector_for, clock=clock))
            worker.start()
        if settings.scheduler:
            holder_id = f"{socket.gethostname()}:{os.getpid()}"
            jobs = lambda: scheduled_jobs(  # noqa: E731 - re-read each tick
                store,
                holder.policy,
                pool,
                clock=clock,
                environ=env,
                public_url=settings.public_url,
                inbox_retries=not settings.inbox_worker,
            )
            ticker = SchedulerThread(Scheduler(store, jobs, holder=holder_id, clock=clock))
            ticker.start()
    try:
        yield state
    finally:
        if ticker is not None:
            ticker.stop()
        if worker is not None:
            worker.stop()
        if refresher is not None:
            refresher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await refresher
        if database is None:
            store.dispose()
