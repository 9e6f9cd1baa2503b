"""The database engine: SQLite (file, WAL) by default, PostgreSQL through psycopg 3 in production.

SQLite connections get ``journal_mode=WAL``, ``busy_timeout`` and ``foreign_keys`` on every pooled connection,
and every transaction starts with ``BEGIN IMMEDIATE`` (so two writers queue on the busy timeout instead of
failing with "database is locked" when one upgrades a read lock). Writers of one process first take their turn
in a first-in, first-out :class:`~models.write_queue.WriteQueue`, so threads that commit back to back cannot
starve one that polls on the busy timeout. Read-only work opts into ``BEGIN DEFERRED``
through :meth:`Database.read_session`, which lets readers run beside a writer.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, make_url, text
from sqlalchemy.engine import Connection
from sqlalchemy.pool import ConnectionPoolEntry
from sqlmodel import Session

from models.write_queue import WriteQueue

__all__ = ["Database", "create_db_engine", "sqlite_file_path"]

_SQLITE_BEGIN = {"IMMEDIATE": "BEGIN IMMEDIATE", "DEFERRED": "BEGIN DEFERRED"}
_BEGIN_OPTION = "baton_sqlite_begin"
_QUEUED = "baton_write_turn"  # connection.info flag: this connection holds the process's write turn
_QUEUE_TIMEOUT_FACTOR = 6  # how long a writer waits for its turn, in busy timeouts, before trying SQLite anyway


def sqlite_file_path(url: str) -> Path | None:
    """The database file of a SQLite URL, or ``None`` for other dialects and in-memory databases."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def _install_sqlite_hooks(engine: Engine, busy_timeout_ms: int) -> None:
    """Set the pragmas on every new connection and take over BEGIN from the sqlite3 driver; write transactions
    of this process take their turn in one :class:`WriteQueue` before ``BEGIN IMMEDIATE``."""
    queue = WriteQueue()
    queue_timeout = _QUEUE_TIMEOUT_FACTOR * busy_timeout_ms / 1000

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: ConnectionPoolEntry) -> None:
        # Autocommit at the driver level; SQLAlchemy's "begin" event below issues the BEGIN we want.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=" + str(int(busy_timeout_ms)))
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        mode = connection.get_execution_options().get(_BEGIN_OPTION, "IMMEDIATE")
        # Past the bound (a writer stuck elsewhere), go on without a turn: SQLite's busy timeout decides, as before.
        queued = mode == "IMMEDIATE" and queue.acquire(queue_timeout)
        try:
            connection.exec_driver_sql(_SQLITE_BEGIN[mode])
        except BaseException:
            if queued:
                queue.release()
            raise
        if queued:
            connection.info[_QUEUED] = True

    def _end_turn(connection: Connection) -> None:
        # Fired as the transaction commits or rolls back (also when a session or connection closes with one open).
        if connection.info.pop(_QUEUED, False):
            queue.release()

    event.listen(engine, "commit", _end_turn)
    event.listen(engine, "rollback", _end_turn)


def create_db_engine(url: str, *, busy_timeout_ms: int = 10_000, pool_size: int = 10) -> Engine:
    """Build the engine for ``url`` with Baton's per-dialect connection settings."""
    backend = make_url(url).get_backend_name()
    if backend == "sqlite":
        path = sqlite_file_path(url)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": busy_timeout_ms / 1000},
            pool_size=pool_size,
            max_overflow=pool_size,
        )
        _install_sqlite_hooks(engine, busy_timeout_ms)
        return engine
    if backend == "postgresql":
        return create_engine(url, pool_pre_ping=True, pool_size=pool_size, max_overflow=pool_size)
    raise ValueError(f"unsupported database {backend!r}: use a sqlite:/// or postgresql:// URL")


@dataclass(frozen=True)
class Database:
    """The store's engine and the two ways to open a session on it."""

    engine: Engine

    @classmethod
    def from_url(cls, url: str, **options: Any) -> Database:
        """Connect to ``url`` (see :func:`create_db_engine` for the options)."""
        return cls(create_db_engine(url, **options))

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A read-write session; on SQLite its transactions take the write lock up front."""
        with Session(self.engine, expire_on_commit=False) as session:
            yield session

    @contextmanager
    def read_session(self) -> Iterator[Session]:
        """A session for reads only: on SQLite it runs beside a writer instead of queueing behind it."""
        bind = self.engine.execution_options(**{_BEGIN_OPTION: "DEFERRED"})
        with Session(bind, expire_on_commit=False) as session:
            yield session

    def ping(self) -> None:
        """Raise if the database cannot answer a trivial query."""
        with self.engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()
