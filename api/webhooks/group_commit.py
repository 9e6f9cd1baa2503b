"""Group commit for the webhook inbox: deliveries arriving together share one transaction.

A receiver awaits :func:`store_inbox`; its rows join the next transaction of the database's committer
thread, and the awaiting request resumes only after the COMMIT that holds them (never 2xx before COMMIT).
Under load one transaction carries many deliveries, so the store's per-transaction cost (BEGIN IMMEDIATE,
the WAL sync on SQLite; a round trip and a commit on PostgreSQL) is paid once per batch instead of per
delivery; alone, a delivery is committed at once. When a batch fails, its deliveries are retried one per
transaction, so a delivery the store refuses fails alone and the others are stored (when the store is
unavailable instead, every delivery of the batch gets the error at once: 503, the vendors retry).

The writer thread keeps one connection while it runs (no pool checkout, and on PostgreSQL no pre-ping round
trip, per batch) and gives it back when it exits idle. When a kept connection fails (a server restart drops
it) other than by refusing a value, the batch is tried once more on a fresh connection, as the pool's
pre-ping would have done: the insert is idempotent, so a batch whose COMMIT did land before the connection
died is stored once either way.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from api.webhooks.inbox import InboxKey, inbox_rows, insert_inbox_rows, row_key
from connectors.records import WebhookDelivery
from models.db import Database

__all__ = ["InboxCommitter", "committer_for", "store_inbox"]


@dataclass
class _Pending:
    rows: list[dict[str, Any]]
    future: asyncio.Future[int]
    loop: asyncio.AbstractEventLoop


def _resolve(pending: _Pending, result: int | BaseException) -> None:
    def settle() -> None:
        if pending.future.done():
            return  # the request was cancelled (client gone): nothing to tell it
        if isinstance(result, BaseException):
            pending.future.set_exception(result)
        else:
            pending.future.set_result(result)

    with contextlib.suppress(RuntimeError):  # the request's event loop is closed
        pending.loop.call_soon_threadsafe(settle)


def _refused_a_value(error: Exception) -> bool:
    """Whether the store refused a row (bad data, a constraint), as opposed to being unavailable."""
    return isinstance(error, DBAPIError) and not isinstance(error, OperationalError | InterfaceError)


def _one_statement_commits(connection: Connection, rows: list[dict[str, Any]]) -> bool:
    """Whether to send the batch as a lone INSERT outside a transaction block (PostgreSQL, one statement's worth
    of rows): the server runs it as a transaction of its own and answers only after its COMMIT, so the batch
    costs one round trip instead of three (BEGIN, INSERT … RETURNING, COMMIT), and it is as atomic. SQLite
    runs in process, where BEGIN and COMMIT cost no round trip."""
    return connection.dialect.name == "postgresql" and len(rows) <= connection.dialect.insertmanyvalues_page_size


class InboxCommitter:
    """One writer thread per database: takes every delivery waiting, inserts them in one transaction, commits,
    then answers each waiting request with how many of its rows were new. The thread exits when idle."""

    def __init__(self, database: Database, *, max_rows: int = 1_000, idle_seconds: float = 5.0) -> None:
        self.database = database
        self.max_rows = max_rows
        self.idle_seconds = idle_seconds
        self.batches = 0
        self._queue: queue.SimpleQueue[_Pending] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._connection: Connection | None = None  # the writer thread's own, while it runs

    async def store(
        self, *, source: str, connection_id: int, deliveries: Sequence[WebhookDelivery], body: bytes, now: datetime
    ) -> int:
        """Store the deliveries Baton acts on; returns, once committed, how many were new."""
        rows = inbox_rows(source=source, connection_id=connection_id, deliveries=deliveries, body=body, now=now)
        if not rows:
            return 0
        loop = asyncio.get_running_loop()
        pending = _Pending(rows, loop.create_future(), loop)
        with self._lock:
            self._queue.put(pending)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="baton-inbox-commit", daemon=True)
                self._thread.start()
        return await pending.future

    def _run(self) -> None:
        while True:
            try:
                first = self._queue.get(timeout=self.idle_seconds)
            except queue.Empty:
                with self._lock:
                    if self._queue.empty():
                        self._close_connection()
                        self._thread = None
                        return
                continue
            batch = [first]
            rows = len(first.rows)
            while rows < self.max_rows:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
                rows += len(batch[-1].rows)
            self._commit(batch)

    def _commit(self, batch: list[_Pending]) -> None:
        try:
            new = self._insert([row for pending in batch for row in pending.rows])
        except Exception as error:
            if len(batch) == 1 or not _refused_a_value(error):
                for pending in batch:  # the store is unavailable (or broken): every delivery gets the error
                    _resolve(pending, error)
                return
            for pending in batch:  # find the delivery the store refuses: one transaction each
                self._commit([pending])
            return
        self.batches += 1
        for pending in batch:
            mine = {row_key(row) for row in pending.rows} & new
            new -= mine  # a duplicate within the batch is new for the first request only
            _resolve(pending, len(mine))

    def _insert(self, rows: list[dict[str, Any]]) -> set[InboxKey]:
        kept = self._connection is not None
        try:
            return self._insert_on(self._open_connection(), rows)
        except Exception as error:
            lost = isinstance(error, DBAPIError) and error.connection_invalidated
            if not kept or (_refused_a_value(error) and not lost):
                raise
        # The kept connection failed (a server restart drops it): once more on a fresh one, as pre-ping would.
        return self._insert_on(self._open_connection(), rows)

    def _insert_on(self, connection: Connection, rows: list[dict[str, Any]]) -> set[InboxKey]:
        try:
            if connection.dialect.name == "postgresql":  # a client-side setting: no round trip
                alone = _one_statement_commits(connection, rows)
                connection.execution_options(
                    isolation_level="AUTOCOMMIT" if alone else connection.default_isolation_level
                )
            with connection.begin():  # COMMIT on leaving, ROLLBACK on an error (no-ops under AUTOCOMMIT)
                return insert_inbox_rows(connection, rows)
        except BaseException:
            self._close_connection()  # errors are rare: the next batch starts on a fresh connection
            raise

    def _open_connection(self) -> Connection:
        if self._connection is None:
            self._connection = self.database.engine.connect()
        return self._connection

    def _close_connection(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(Exception):  # a dead connection may fail to close: it is dropped either way
                connection.close()


_committers: weakref.WeakKeyDictionary[Database, InboxCommitter] = weakref.WeakKeyDictionary()
_committers_lock = threading.Lock()


def committer_for(database: Database) -> InboxCommitter:
    """The committer of ``database`` (one per database object in this process)."""
    with _committers_lock:
        committer = _committers.get(database)
        if committer is None:
            committer = _committers[database] = InboxCommitter(database)
        return committer


async def store_inbox(
    database: Database,
    *,
    source: str,
    connection_id: int,
    deliveries: Sequence[WebhookDelivery],
    body: bytes,
    now: datetime,
) -> int:
    """Store verified deliveries through the database's group commit; returns how many were new."""
    return await committer_for(database).store(
        source=source, connection_id=connection_id, deliveries=deliveries, body=body, now=now
    )
