"""One sync per connection at a time, across every process sharing the store.

A sync holds the ``job_lease`` row ``sync-connection:<id>`` while it runs: claimed with one atomic
conditional upsert (it wins when the row is released, or its lease expired), renewed by a heartbeat thread,
released when the sync ends. A process killed mid-sync leaves its lease behind; it lapses after ``ttl``, and a
process on the same host takes it over at once when the holder's pid is gone (so a rerun right after a crash
is not refused), and this process takes back a lease of its own that it no longer holds (one it could not
release while the store was unavailable). Leases use the wall clock: they are about real processes, never about
an injected sync clock.

Whoever takes the lease also closes the connection's runs left ``running`` by a sync that died or lost the
store before it could record its end: nobody else can be running them, so they are marked failed, with why.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

from sqlalchemy import or_, select, update

from core.timeutil import Clock, utc_now
from models.db import Database
from models.enums import SyncStatus
from models.tables import JOB_LEASES, RUNS
from sync.upsert import dialect_insert

__all__ = ["DEFAULT_TTL", "SyncAlreadyRunning", "connection_sync_lease", "lease_name", "process_holder"]

log = logging.getLogger(__name__)

DEFAULT_TTL = timedelta(minutes=2)


class SyncAlreadyRunning(RuntimeError):
    """Another process (or thread) is syncing this connection now."""

    def __init__(self, connection_id: int, holder: str) -> None:
        super().__init__(f"another sync of connection {connection_id} is running (held by {holder}); not started")
        self.connection_id = connection_id
        self.holder = holder


def lease_name(connection_id: int) -> str:
    """The ``job_lease`` row of a connection's sync."""
    return f"sync-connection:{connection_id}"


def process_holder() -> str:
    """``host:pid:thread``: who holds a lease (the pid lets a local successor see that the holder died)."""
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


_HELD: set[str] = set()  # holders of the leases this process holds now
_HELD_LOCK = threading.Lock()


def _stale(holder: str) -> bool:
    """Whether ``holder`` certainly holds nothing any more: a local process that is gone, or this process's
    own holder that no longer holds the lease."""
    if holder.startswith(f"{socket.gethostname()}:{os.getpid()}:"):
        with _HELD_LOCK:
            return holder not in _HELD
    return _local_holder_is_dead(holder)


def _local_holder_is_dead(holder: str) -> bool:
    host, _, rest = holder.partition(":")
    pid_text = rest.split(":", 1)[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return _is_zombie(int(pid_text))


def _is_zombie(pid: int) -> bool:
    """A killed process its parent has not reaped yet still answers ``kill(pid, 0)``; it runs nothing."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return any(line.startswith("State:") and "Z" in line.split()[1:2] for line in status.splitlines())


def _claim(database: Database, name: str, holder: str, clock: Clock, ttl: timedelta, *, steal_from: str | None) -> bool:
    now = clock()
    statement = dialect_insert(database.dialect, JOB_LEASES).values(
        name=name, holder=holder, fire_at=now, expires_at=now + ttl, finished_at=None
    )
    stored = JOB_LEASES.c
    free = or_(stored.finished_at.is_not(None), stored.expires_at < now)
    if steal_from is not None:
        free = or_(free, stored.holder == steal_from)
    statement = statement.on_conflict_do_update(
        index_elements=["name"],
        set_={"holder": holder, "fire_at": now, "expires_at": now + ttl, "finished_at": None},
        where=free,
    )
    with database.session() as session:
        won = session.execute(statement.returning(stored.name)).all()
        session.commit()
    return bool(won)


def _current_holder(database: Database, name: str) -> str:
    with database.read_session() as session:
        holder = session.execute(select(JOB_LEASES.c.holder).where(JOB_LEASES.c.name == name)).scalar_one_or_none()
    return str(holder or "?")


def _set(database: Database, name: str, holder: str, **values: object) -> None:
    with database.session() as session:
        session.execute(
            update(JOB_LEASES).where(JOB_LEASES.c.name == name, JOB_LEASES.c.holder == holder).values(**values)
        )
        session.commit()


def _close_orphaned_runs(database: Database, connection_id: int, clock: Clock) -> None:
    message = "interrupted: the sync stopped (process killed or store unavailable) before recording its end"
    with database.session() as session:
        closed = session.execute(
            update(RUNS)
            .where(RUNS.c.connection_id == connection_id, RUNS.c.status == str(SyncStatus.RUNNING))
            .values(status=str(SyncStatus.FAILED), finished_at=clock(), error_message=message)
            .returning(RUNS.c.id)
        ).all()
        session.commit()
    if closed:
        log.warning("connection %s: %d interrupted sync run(s) marked failed", connection_id, len(closed))


@contextmanager
def connection_sync_lease(
    database: Database,
    connection_id: int,
    *,
    ttl: timedelta = DEFAULT_TTL,
    clock: Clock = utc_now,
    holder: str | None = None,
) -> Iterator[str]:
    """Hold connection ``connection_id``'s sync lease for the ``with`` block; raise :class:`SyncAlreadyRunning`."""
    name = lease_name(connection_id)
    me = holder or process_holder()
    if not _claim(database, name, me, clock, ttl, steal_from=None):
        current = _current_holder(database, name)
        if not (_stale(current) and _claim(database, name, me, clock, ttl, steal_from=current)):
            raise SyncAlreadyRunning(connection_id, current)
        log.warning("sync lease of connection %s taken over from %s, which no longer runs", connection_id, current)
    with _HELD_LOCK:
        _HELD.add(me)
    _close_orphaned_runs(database, connection_id, clock)
    stop = threading.Event()

    def heartbeat() -> None:
        while not stop.wait(ttl.total_seconds() / 4):
            try:
                _set(database, name, me, expires_at=clock() + ttl)
            except Exception:  # the store may be briefly unavailable; the next beat tries again
                log.exception("renewing the sync lease of connection %s failed", connection_id)

    beat = threading.Thread(target=heartbeat, name=f"baton-lease-{connection_id}", daemon=True)
    beat.start()
    try:
        yield me
    finally:
        stop.set()
        beat.join()
        with _HELD_LOCK:
            _HELD.discard(me)
        try:
            _set(database, name, me, finished_at=clock())
        except Exception:  # unreleased, it lapses after the ttl
            log.exception("releasing the sync lease of connection %s failed", connection_id)
