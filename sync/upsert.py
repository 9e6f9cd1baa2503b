"""The one batched upsert primitive: ``INSERT … ON CONFLICT DO UPDATE`` on SQLite and PostgreSQL.

A version guard makes an older vendor version never overwrite a newer one, and an equal version change
nothing, so replays and re-runs are no-ops.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Table, and_, or_, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

__all__ = ["dialect_insert", "upsert_rows", "upsert_rows_returning", "write_rows"]

# Rows handed to one executemany call; SQLAlchemy splits them further to fit each dialect's limits.
_ROWS_PER_CALL = 5_000

RowIn = Mapping[str, Any]


def _version_of(row: RowIn, version: Sequence[str]) -> tuple[Any, ...]:
    return tuple(row[column] for column in version)


def _latest_per_key(rows: Sequence[RowIn], key: Sequence[str], version: Sequence[str]) -> list[RowIn]:
    """One row per key (the highest version), sorted by key so concurrent writers lock rows in one order."""
    latest: dict[tuple[Any, ...], RowIn] = {}
    for row in rows:
        row_key = tuple(row[column] for column in key)
        kept = latest.get(row_key)
        if kept is None or (version and _version_of(kept, version) < _version_of(row, version)):
            latest[row_key] = row
    return [latest[row_key] for row_key in sorted(latest)]


def _newer_than_stored(
    table: Table, excluded: Any, version: Sequence[str], tombstone: str | None
) -> ColumnElement[bool]:
    stored = [table.c[column] for column in version]
    incoming = [excluded[column] for column in version]
    newer = tuple_(*stored) < tuple_(*incoming) if len(version) > 1 else stored[0] < incoming[0]
    if tombstone is None:
        return or_(stored[0].is_(None), newer)
    # A tombstoned row comes back when the same (or a newer) version is seen alive again.
    same_or_newer = tuple_(*stored) <= tuple_(*incoming) if len(version) > 1 else stored[0] <= incoming[0]
    revived = and_(table.c[tombstone].is_not(None), excluded[tombstone].is_(None), same_or_newer)
    return or_(stored[0].is_(None), newer, revived)


def _differs_from_stored(table: Table, excluded: Any, columns: Sequence[str]) -> ColumnElement[bool]:
    return or_(*(table.c[column].is_distinct_from(excluded[column]) for column in columns))


def dialect_insert(dialect: str, table: Table) -> sqlite.Insert | postgresql.Insert:
    """``INSERT`` with ``ON CONFLICT`` support for ``dialect`` (sqlite or postgresql)."""
    if dialect == "sqlite":
        return sqlite.insert(table)
    if dialect == "postgresql":
        return postgresql.insert(table)
    raise ValueError(f"upsert is not supported on {dialect!r}")


def upsert_rows(
    session: Session,
    table: Table,
    rows: Sequence[RowIn],
    *,
    key: Sequence[str],
    version: Sequence[str] = (),
    keep_on_update: Sequence[str] = (),
    update: bool = True,
    tombstone: str | None = None,
    touch: Sequence[str] = (),
) -> int:
    """Insert ``rows`` or update the stored row with the same ``key``; return how many rows changed.

    With ``version`` (columns compared as a tuple, e.g. updated time then a sortable tie-break) a stored row
    is only replaced by a strictly newer one. Columns in ``keep_on_update`` (e.g. ``first_seen_at``) are
    written on insert and never overwritten. With ``update=False`` an existing row is left alone
    (``ON CONFLICT DO NOTHING``: the webhook inbox). With ``tombstone`` (e.g. ``deleted_at``) a stored row
    marked deleted is revived by an incoming live row of the same version. Without ``version`` a stored row
    is rewritten only when a column other than those in ``touch`` (e.g. ``last_seen_at``) differs. Every row
    must carry the same columns.
    """
    return len(
        upsert_rows_returning(
            session,
            table,
            rows,
            key=key,
            version=version,
            keep_on_update=keep_on_update,
            update=update,
            tombstone=tombstone,
            touch=touch,
            returning=key[:1],
        )
    )


def upsert_rows_returning(
    session: Session,
    table: Table,
    rows: Sequence[RowIn],
    *,
    key: Sequence[str],
    returning: Sequence[str],
    version: Sequence[str] = (),
    keep_on_update: Sequence[str] = (),
    update: bool = True,
    tombstone: str | None = None,
    touch: Sequence[str] = (),
) -> list[tuple[Any, ...]]:
    """As :func:`upsert_rows`, returning the ``returning`` columns of every inserted or changed row."""
    if not rows:
        return []
    prepared, statement = _upsert_statement(
        session, table, rows, key, version, keep_on_update, update=update, tombstone=tombstone, touch=touch
    )
    # One compiled statement, executed many times: SQLAlchemy batches the rows into multi-row VALUES
    # ("insertmanyvalues") within the dialect's parameter limits. Rows skipped by the guard return nothing
    # (DBAPI rowcounts of INSERT … ON CONFLICT differ between drivers, so RETURNING is the count).
    with_returning = statement.returning(*(table.c[column] for column in returning))
    driver_rows = _driver_rows(session, table, with_returning, prepared)
    if driver_rows is not None and not any(_reads_through_type(session, table, column) for column in returning):
        # SQLite: the driver's prepared statement once per row, each row's RETURNING read at once.
        sql, values = driver_rows
        cursor = session.connection().connection.cursor()
        try:
            found: list[tuple[Any, ...]] = []
            for row_values in values:
                cursor.execute(sql, row_values)
                found += [tuple(row) for row in cursor.fetchall()]
            return found
        finally:
            cursor.close()
    changed: list[tuple[Any, ...]] = []
    for start in range(0, len(prepared), _ROWS_PER_CALL):
        result = session.execute(with_returning, list(prepared[start : start + _ROWS_PER_CALL]))
        changed += [tuple(row) for row in result]
    return changed


def write_rows(
    session: Session,
    table: Table,
    rows: Sequence[RowIn],
    *,
    key: Sequence[str],
    version: Sequence[str] = (),
    keep_on_update: Sequence[str] = (),
    update: bool = True,
    tombstone: str | None = None,
    touch: Sequence[str] = (),
) -> None:
    """As :func:`upsert_rows` when nobody needs the count: a plain ``executemany`` without ``RETURNING``
    (the driver runs the rows through one prepared statement; nothing is read back).

    On SQLite the statement is compiled once and the rows go to the driver's ``executemany`` as tuples, each
    value converted by its column type's own bind processor: the same values SQLAlchemy would send, without
    its per-row parameter machinery (the bulk of a history write's CPU).
    """
    if not rows:
        return
    prepared, statement = _upsert_statement(
        session, table, rows, key, version, keep_on_update, update=update, tombstone=tombstone, touch=touch
    )
    driver_rows = _driver_rows(session, table, statement, prepared)
    if driver_rows is not None:
        session.connection().exec_driver_sql(*driver_rows)
        return
    for start in range(0, len(prepared), _ROWS_PER_CALL):
        session.execute(statement, list(prepared[start : start + _ROWS_PER_CALL]))


def _driver_rows(
    session: Session, table: Table, statement: Any, prepared: Sequence[RowIn]
) -> tuple[str, list[tuple[Any, ...]]] | None:
    """On SQLite: the statement compiled once and every row as the tuple the driver takes, each value converted
    by its column type's own bind processor (what SQLAlchemy would send, without its per-row machinery);
    ``None`` elsewhere."""
    dialect = session.get_bind().dialect
    if dialect.name != "sqlite" or dialect.paramstyle != "qmark":
        return None
    columns = list(prepared[0].keys())
    compiled = statement.compile(dialect=dialect, column_keys=columns)
    order = list(compiled.positiontup or ())
    if sorted(order) != sorted(columns):
        return None
    convert = [(column, table.c[column].type.dialect_impl(dialect).bind_processor(dialect)) for column in order]
    values = [
        tuple(row[column] if process is None else process(row[column]) for column, process in convert)
        for row in prepared
    ]
    return compiled.string, values


def _reads_through_type(session: Session, table: Table, column: str) -> bool:
    """Whether a returned column's values need its type's result processing (then SQLAlchemy reads them)."""
    dialect = session.get_bind().dialect
    column_type = table.c[column].type.dialect_impl(dialect)
    return column_type.result_processor(dialect, None) is not None


def _upsert_statement(
    session: Session,
    table: Table,
    rows: Sequence[RowIn],
    key: Sequence[str],
    version: Sequence[str],
    keep_on_update: Sequence[str],
    *,
    update: bool,
    tombstone: str | None,
    touch: Sequence[str],
) -> tuple[list[RowIn], sqlite.Insert | postgresql.Insert]:
    prepared = _latest_per_key(rows, key, version)
    columns = list(prepared[0].keys())
    dialect = session.get_bind().dialect.name
    statement = dialect_insert(dialect, table)
    updates = {
        column: statement.excluded[column]
        for column in columns
        if update and column not in key and column not in keep_on_update
    }
    if updates:
        if version:
            guard = _newer_than_stored(table, statement.excluded, version, tombstone)
        else:
            compared = [column for column in updates if column not in touch]
            guard = _differs_from_stored(table, statement.excluded, compared or list(updates))
        statement = statement.on_conflict_do_update(index_elements=list(key), set_=updates, where=guard)
    else:
        statement = statement.on_conflict_do_nothing(index_elements=list(key))
    return prepared, statement
