"""One consistent view of the store for a whole report (reliability P14: totals consistent within one snapshot).

Every query of a report runs in one read transaction: on SQLite a deferred transaction (WAL gives it a stable
snapshot from its first read while writers carry on), on PostgreSQL ``REPEATABLE READ``. Code written against
:class:`~models.db.Database` (``load_organisation`` and friends) runs inside the snapshot through
:class:`SnapshotDatabase`, whose ``read_session`` hands out the snapshot's session.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlmodel import Session

from models.db import Database
from models.tables import CONNECTIONS

__all__ = ["SnapshotDatabase", "read_snapshot"]


@dataclass(frozen=True)
class SnapshotDatabase(Database):
    """A :class:`Database` whose read sessions are all the one snapshot session; it cannot write."""

    snapshot: Session | None = None

    @contextmanager
    def read_session(self) -> Iterator[Session]:
        """The snapshot's session (left open: the snapshot ends with :func:`read_snapshot`)."""
        assert self.snapshot is not None
        yield self.snapshot

    @contextmanager
    def session(self) -> Iterator[Session]:
        """Refused: a report only reads."""
        raise RuntimeError("a report snapshot is read-only")
        yield  # pragma: no cover - makes this a generator


@contextmanager
def read_snapshot(database: Database) -> Iterator[SnapshotDatabase]:
    """Open one read transaction for everything a report reads; it is rolled back (nothing written) at the end."""
    if database.dialect == "postgresql":
        bind = database.engine.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
        with Session(bind, expire_on_commit=False) as session:
            yield from _pinned(database, session)
        return
    with database.read_session() as session:
        yield from _pinned(database, session)


def _pinned(database: Database, session: Session) -> Iterator[SnapshotDatabase]:
    # The first read fixes the snapshot (SQLite WAL and PostgreSQL REPEATABLE READ alike).
    session.execute(select(func.count()).select_from(CONNECTIONS)).scalar_one()
    try:
        yield SnapshotDatabase(database.engine, session)
    finally:
        session.rollback()
