"""The scheduler: jobs on cron expressions, each scheduled fire run once across every replica.

Replicas share the store. To run a job's fire (the latest cron time at or before now), a replica claims the
job's ``job_lease`` row with one atomic conditional upsert: it wins when the stored fire is older, or when the
same fire was claimed by a replica that died (its lease expired before it finished). No home-made protocol:
the database's own conflict handling decides.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from cronsim import CronSim
from sqlalchemy import and_, or_, update

from core.timeutil import Clock, utc_now
from models.db import Database
from models.tables import JOB_LEASES
from sync.upsert import dialect_insert

__all__ = ["JobOutcome", "ScheduledJob", "Scheduler", "SchedulerThread", "claim_fire", "latest_fire"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ScheduledJob:
    """A named job and its cron expression, read in ``timezone``."""

    name: str
    cron: str
    run: Callable[[], object]
    timezone: str = "UTC"


@dataclass(frozen=True)
class JobOutcome:
    """One fire this replica ran."""

    name: str
    fire_at: datetime
    succeeded: bool
    error: str | None = None


def latest_fire(cron: str, now: datetime, timezone: str = "UTC") -> datetime:
    """The most recent time at or before ``now`` that ``cron`` (read in ``timezone``) fires, in UTC."""
    local = now.astimezone(ZoneInfo(timezone))
    start = local.replace(second=0, microsecond=0) + timedelta(minutes=1)
    return next(iter(CronSim(cron, start, reverse=True))).astimezone(UTC)


def claim_fire(
    database: Database, *, name: str, fire_at: datetime, holder: str, now: datetime, lease: timedelta
) -> bool:
    """Atomically take the right to run ``name``'s fire at ``fire_at``; ``False`` when another replica has it."""
    statement = dialect_insert(database.dialect, JOB_LEASES).values(
        name=name, holder=holder, fire_at=fire_at, expires_at=now + lease, finished_at=None
    )
    stored = JOB_LEASES.c
    newer_fire = or_(stored.fire_at.is_(None), stored.fire_at < statement.excluded.fire_at)
    abandoned = and_(
        stored.fire_at == statement.excluded.fire_at, stored.finished_at.is_(None), stored.expires_at < now
    )
    statement = statement.on_conflict_do_update(
        index_elements=["name"],
        set_={
            "holder": statement.excluded.holder,
            "fire_at": statement.excluded.fire_at,
            "expires_at": statement.excluded.expires_at,
            "finished_at": None,
        },
        where=or_(newer_fire, abandoned),
    )
    with database.session() as session:
        won = session.execute(statement.returning(stored.name)).all()
        session.commit()
    return bool(won)


def _finish(database: Database, name: str, holder: str, now: datetime, error: str | None) -> None:
    with database.session() as session:
        session.execute(
            update(JOB_LEASES)
            .where(JOB_LEASES.c.name == name, JOB_LEASES.c.holder == holder)
            .values(finished_at=now, last_status="failed" if error else "succeeded", last_error=error)
        )
        session.commit()


class Scheduler:
    """Runs the due fires of ``jobs()`` (re-read each tick, so a reloaded policy takes effect)."""

    def __init__(
        self,
        database: Database,
        jobs: Callable[[], Sequence[ScheduledJob]],
        *,
        holder: str,
        clock: Clock = utc_now,
        lease: timedelta = timedelta(hours=1),
    ) -> None:
        self.database = database
        self.jobs = jobs
        self.holder = holder
        self.clock = clock
        self.lease = lease

    def run_due(self) -> list[JobOutcome]:
        """Claim and run every job whose latest fire has not run yet; returns what this replica ran."""
        outcomes = []
        for job in self.jobs():
            now = self.clock()
            fire = latest_fire(job.cron, now, job.timezone)
            if not claim_fire(
                self.database, name=job.name, fire_at=fire, holder=self.holder, now=now, lease=self.lease
            ):
                continue
            error: str | None = None
            try:
                job.run()
            except Exception as failure:  # one job's failure is recorded; the others still run
                error = f"{type(failure).__name__}: {failure}"[:2000]
                log.exception("scheduled job %s failed", job.name)
            _finish(self.database, job.name, self.holder, self.clock(), error)
            outcomes.append(JobOutcome(job.name, fire, error is None, error))
        return outcomes


class SchedulerThread:
    """Ticks a :class:`Scheduler` every ``tick_seconds`` in a daemon thread until stopped."""

    def __init__(self, scheduler: Scheduler, *, tick_seconds: float = 15.0) -> None:
        self._scheduler = scheduler
        self._tick = tick_seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="baton-scheduler", daemon=True)

    def start(self) -> None:
        """Start ticking."""
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Stop after the current tick."""
        self._stop.set()
        self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._scheduler.run_due()
            except Exception:  # the store may be briefly unavailable
                log.exception("scheduler tick failed")
            self._stop.wait(self._tick)
