"""The one batched upsert primitive: ``INSERT … ON CONFLICT DO UPDATE`` on SQLite and PostgreSQL.

A version guard makes an older vendor version never overwrite a newer one, and an equal version change
nothing, so replays and re-runs are no-ops.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Table, or_, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

__all__ = ["upsert_rows"]

# Rows handed to one executemany call; SQLAlchemy splits them further to fit each dialect's limits.
_ROWS_PER_CALL = 5_000

Row = Mapping[str, Any]


def _version_of(row: Row, version: Sequence[str]) -> tuple[Any, ...]:
    return tuple(row[column] for column in version)


def _latest_per_key(rows: Sequence[Row], key: Sequence[str], version: Sequence[str]) -> list[Row]:
    """One row per key (the highest version), sorted by key so concurrent writers lock rows in one order."""
    latest: dict[tuple[Any, ...], Row] = {}
    for row in rows:
        row_key = tuple(row[column] for column in key)
        kept = latest.get(row_key)
        if kept is None or (version and _version_of(kept, version) < _version_of(row, version)):
            latest[row_key] = row
    return [latest[row_key] for row_key in sorted(latest)]


def _newer_than_stored(table: Table, excluded: Any, version: Sequence[str]) -> ColumnElement[bool]:
    stored = [table.c[column] for column in version]
    incoming = [excluded[column] for column in version]
    newer = tuple_(*stored) < tuple_(*incoming) if len(version) > 1 else stored[0] < incoming[0]
    return or_(stored[0].is_(None), newer)


def _dialect_insert(dialect: str, table: Table) -> sqlite.Insert | postgresql.Insert:
    if dialect == "sqlite":
        return sqlite.insert(table)
    if dialect == "postgresql":
        return postgresql.insert(table)
    raise ValueError(f"upsert is not supported on {dialect!r}")


def upsert_rows(
    session: Session,
    table: Table,
    rows: Sequence[Row],
    *,
    key: Sequence[str],
    version: Sequence[str] = (),
    keep_on_update: Sequence[str] = (),
    update: bool = True,
) -> int:
    """Insert ``rows`` or update the stored row with the same ``key``; return how many rows changed.

    With ``version`` (columns compared as a tuple, e.g. updated time then a sortable tie-break) a stored row
    is only replaced by a strictly newer one. Columns in ``keep_on_update`` (e.g. ``first_seen_at``) are
    written on insert and never overwritten. With ``update=False`` an existing row is left alone
    (``ON CONFLICT DO NOTHING``: the webhook inbox). Every row must carry the same columns.
    """
    if not rows:
        return 0
    prepared = _latest_per_key(rows, key, version)
    columns = list(prepared[0].keys())
    dialect = session.get_bind().dialect.name
    statement = _dialect_insert(dialect, table)
    updates = {
        column: statement.excluded[column]
        for column in columns
        if update and column not in key and column not in keep_on_update
    }
    if updates:
        guard = _newer_than_stored(table, statement.excluded, version) if version else None
        statement = statement.on_conflict_do_update(index_elements=list(key), set_=updates, where=guard)
    else:
        statement = statement.on_conflict_do_nothing(index_elements=list(key))
    # One compiled statement, executed many times: SQLAlchemy batches the rows into multi-row VALUES
    # ("insertmanyvalues") within the dialect's parameter limits. Count through RETURNING: rows skipped by
    # the guard return nothing, and DBAPI rowcounts of INSERT … ON CONFLICT differ between drivers.
    returning = statement.returning(table.c[key[0]])
    changed = 0
    for start in range(0, len(prepared), _ROWS_PER_CALL):
        changed += len(session.execute(returning, list(prepared[start : start + _ROWS_PER_CALL])).all())
    return changed
