"""Computed views kept in ``view_snapshot``: served again while the store's watermark is unchanged and the snapshot
is younger than its maximum age, recomputed (and stored) otherwise.

A watermark is a short string read through indexes only (the newest finding id and ``last_seen_at``, the newest
transition id), so checking it costs the same on any store size.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, delete, func, select
from sqlmodel import Session

from models.db import Database
from models.tables import FINDINGS, TRANSITIONS, table_of
from models.view_summary import ViewSnapshot
from sync.upsert import dialect_insert

__all__ = [
    "VIEW_SNAPSHOT",
    "Snapshot",
    "cached_view",
    "drop_snapshots",
    "findings_watermark",
    "transitions_watermark",
]

VIEW_SNAPSHOT: Table = table_of(ViewSnapshot)


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A stored view: when it was computed, at which watermark, and its content."""

    computed_at: datetime
    watermark: str
    content: dict[str, Any]


def findings_watermark(session: Session) -> str:
    """Changes whenever a finding is opened, refreshed or resolved (each sets ``last_seen_at``)."""
    newest, seen = session.execute(select(func.max(FINDINGS.c.id), func.max(FINDINGS.c.last_seen_at))).one()
    return f"f{newest}@{seen.isoformat() if seen is not None else ''}"


def transitions_watermark(session: Session) -> str:
    """Changes whenever a status change is recorded."""
    return f"t{session.execute(select(func.max(TRANSITIONS.c.id))).scalar_one_or_none()}"


def _load(session: Session, key: str) -> Snapshot | None:
    row = session.execute(
        select(VIEW_SNAPSHOT.c.computed_at, VIEW_SNAPSHOT.c.watermark, VIEW_SNAPSHOT.c.content).where(
            VIEW_SNAPSHOT.c.key == key
        )
    ).one_or_none()
    return None if row is None else Snapshot(row.computed_at, row.watermark, dict(row.content))


def _store(database: Database, key: str, snapshot: Snapshot) -> None:
    values = {
        "key": key,
        "computed_at": snapshot.computed_at,
        "watermark": snapshot.watermark,
        "content": snapshot.content,
    }
    statement = dialect_insert(database.dialect, VIEW_SNAPSHOT).values(**values)
    statement = statement.on_conflict_do_update(
        index_elements=[VIEW_SNAPSHOT.c.key],
        set_={
            "computed_at": statement.excluded.computed_at,
            "watermark": statement.excluded.watermark,
            "content": statement.excluded.content,
        },
    )
    with database.session() as session:
        session.execute(statement)
        session.commit()


def cached_view(
    database: Database,
    key: str,
    *,
    watermark: Callable[[Session], str],
    compute: Callable[[Session], dict[str, Any]],
    now: datetime,
    max_age: timedelta,
    still_valid: Callable[[Snapshot], bool] = lambda _: True,
) -> Snapshot:
    """The snapshot under ``key`` when its watermark is current and it is younger than ``max_age`` (and not from the
    future of ``now``); else ``compute`` it in one read transaction, store it and return it."""
    with database.read_session() as session:
        mark = watermark(session)
        stored = _load(session, key)
        if (
            stored is not None
            and stored.watermark == mark
            and now - max_age <= stored.computed_at <= now
            and still_valid(stored)
        ):
            return stored
        fresh = Snapshot(computed_at=now, watermark=mark, content=compute(session))
    _store(database, key, fresh)
    return fresh


def drop_snapshots(database: Database, key_prefix: str) -> None:
    """Forget every snapshot whose key starts with ``key_prefix`` (after a write they did not watch)."""
    escaped = key_prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    with database.session() as session:
        session.execute(delete(VIEW_SNAPSHOT).where(VIEW_SNAPSHOT.c.key.like(escaped + "%", escape="\\")))
        session.commit()
