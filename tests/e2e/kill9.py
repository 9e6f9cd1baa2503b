"""P7: kill -9 a real `baton sync` process at seeded random points, rerun, and compare digests.

A kill point is chosen by progress: once the store holds at least ``threshold`` items (read from the store the
child writes, by a separate connection), the child is killed either after a random delay (anywhere in its
fetch / map / write cycle, including mid-transaction) or on the next cursor change the store shows (right after
a checkpoint commit: the moment a cursor-first build is exposed). A threshold of 0 kills during start-up and
discovery. Each killed run is followed by an incremental rerun, which resumes from the stored cursor; after the
last kill one run goes to completion.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select

import migrations
from models.db import Database
from models.tables import CURSORS, ITEMS
from tests.dbutil import fresh_database_url
from tests.digest import store_digest
from tests.e2e.processes import BATON_CLI, EmulatorProcess, baton_env, run_baton, running_emulators

__all__ = [
    "KillLog",
    "KillPoint",
    "KilledOutcome",
    "Reference",
    "kill_schedule",
    "killed_sync",
    "sync_with_kills",
    "uninterrupted_reference",
]

POLL_SECONDS = 0.01


@dataclass(frozen=True)
class KillPoint:
    """Kill once the store holds ``threshold`` items: after ``delay`` seconds, or at the next cursor change."""

    threshold: int
    on_cursor_change: bool
    delay: float


@dataclass
class KillLog:
    """What a killed-and-rerun sync went through."""

    kills: int = 0  # SIGKILLs that hit a live process
    finished_early: int = 0  # runs that completed before their kill point came
    items_at_kill: list[int] = field(default_factory=list)
    final_returncode: int | None = None
    final_output: str = ""


def kill_schedule(seed: int, items: int, kills: int) -> list[KillPoint]:
    """``kills`` seeded kill points spread over the sync: one in start-up, the rest by items stored."""
    rng = random.Random(seed)
    last = max(items - max(200, items // 5), kills + 1)  # leave work after the last point: the kill must land
    thresholds = sorted(rng.sample(range(1, last), kills - 1))
    points = [KillPoint(0, False, rng.uniform(0.2, 2.5))]
    for threshold in thresholds:
        cursor = rng.random() < 0.5
        points.append(KillPoint(threshold, cursor, 0.0 if cursor else rng.uniform(0.0, 0.4)))
    return points


def _items(database: Database) -> int:
    with database.read_session() as session:
        return int(session.execute(select(func.count()).select_from(ITEMS)).scalar_one())


def _cursors(database: Database) -> tuple[tuple[str, str, str], ...]:
    with database.read_session() as session:
        rows = session.execute(select(CURSORS.c.scope, CURSORS.c.name, CURSORS.c.value)).all()
    return tuple(sorted((str(a), str(b), str(c)) for a, b, c in rows))


def _wait(process: subprocess.Popen[bytes], condition: object, timeout: float) -> bool:
    """Poll ``condition()`` until true; False when the process ended first."""
    deadline = time.monotonic() + timeout
    while process.poll() is None:
        if condition():  # type: ignore[operator]
            return True
        if time.monotonic() > deadline:
            raise TimeoutError(f"kill point not reached within {timeout} s")
        time.sleep(POLL_SECONDS)
    return False


def _kill_at(process: subprocess.Popen[bytes], database: Database, point: KillPoint, timeout: float) -> bool:
    """Kill ``process`` at ``point``; True when the SIGKILL hit a live process."""
    if not _wait(process, lambda: _items(database) >= point.threshold, timeout):
        return False
    if point.on_cursor_change:
        seen = _cursors(database)
        if not _wait(process, lambda: _cursors(database) != seen, timeout):
            return False
    elif point.delay:
        deadline = time.monotonic() + point.delay
        while time.monotonic() < deadline and process.poll() is None:
            time.sleep(POLL_SECONDS)
    if process.poll() is not None:
        return False
    os.kill(process.pid, signal.SIGKILL)
    process.wait(60)
    return process.returncode == -signal.SIGKILL


def sync_with_kills(
    program: Sequence[str],
    *,
    env: dict[str, str],
    cwd: Path,
    database: Database,
    points: Sequence[KillPoint],
    timeout: float = 1800,
) -> KillLog:
    """`sync --full`, killed at each point and rerun incrementally; then one run to completion."""
    log = KillLog()
    stderr = (cwd / "killed-runs.log").open("ab")
    try:
        for n, point in enumerate(points):
            args = ["sync", "--full"] if n == 0 else ["sync"]
            process = subprocess.Popen([*program, *args], env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=stderr)
            try:
                if _kill_at(process, database, point, timeout):
                    log.kills += 1
                    log.items_at_kill.append(_items(database))
                else:
                    log.finished_early += 1
            finally:
                if process.poll() is None:
                    process.kill()
                process.wait(60)
    finally:
        stderr.close()
    final = subprocess.run(
        [*program, "sync"], env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
    )
    log.final_returncode = final.returncode
    log.final_output = final.stdout + final.stderr
    return log


@dataclass(frozen=True)
class Reference:
    """A Jira emulator process, and the digest and live item count of an uninterrupted full sync of it."""

    emulator: EmulatorProcess
    digest: str
    items: int


def migrated(url: str) -> Database:
    """The store at ``url``, upgraded to head."""
    database = Database.from_url(url)
    migrations.upgrade_to_head(database.engine)
    return database


def live_items(database: Database) -> int:
    """Items of the store that are not tombstoned."""
    with database.read_session() as session:
        query = select(func.count()).select_from(ITEMS).where(ITEMS.c.deleted_at.is_(None))
        return int(session.execute(query).scalar_one())


@contextmanager
def uninterrupted_reference(*, items: int, seed: int, dialect: str, workdir: Path) -> Iterator[Reference]:
    """`baton emulate jira` and one uninterrupted `baton sync --full` of it into a fresh store of ``dialect``."""
    with (
        running_emulators(["jira"], items=items, seed=seed, workdir=workdir) as emulator,
        fresh_database_url(dialect, workdir) as url,
    ):
        database = migrated(url)
        try:
            done = run_baton(["sync", "--full"], env=baton_env(url, emulator.policy), cwd=workdir, program=BATON_CLI)
            if done.returncode != 0:
                raise RuntimeError(f"the uninterrupted sync failed:\n{done.stdout}{done.stderr}")
            yield Reference(emulator, store_digest(database), live_items(database))
        finally:
            database.dispose()


@dataclass(frozen=True)
class KilledOutcome:
    """The store after a killed-and-rerun sync."""

    digest: str
    items: int
    log: KillLog


def killed_sync(
    reference: Reference, program: Sequence[str], *, points: Sequence[KillPoint], dialect: str, workdir: Path
) -> KilledOutcome:
    """Run the kill schedule with ``program`` against the reference's emulator, into a fresh store."""
    with fresh_database_url(dialect, workdir) as url:
        database = migrated(url)
        try:
            log = sync_with_kills(
                program, env=baton_env(url, reference.emulator.policy), cwd=workdir, database=database, points=points
            )
            if log.final_returncode != 0:
                raise RuntimeError(f"the final run failed:\n{log.final_output}")
            return KilledOutcome(store_digest(database), live_items(database), log)
        finally:
            database.dispose()
