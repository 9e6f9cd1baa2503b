"""Keyset pagination with opaque cursors, over a sort column that may hold NULLs.

A page is read in two phases: rows whose sort value is set, in (value, id) order, then rows whose value is
NULL, in id order (NULLs last, whatever the direction). The cursor records the phase, the last value and the
last id; each phase is a range scan on an index of the sort column, however deep the page.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any, Literal

from fastapi import HTTPException, status
from pydantic import BaseModel
from sqlalchemy import ColumnElement, Row, Select, String, and_, or_, select, type_coerce
from sqlmodel import Session

from api.views.params import MAX_ID, to_utc

__all__ = ["Cursor", "SortKey", "decode_cursor", "encode_cursor", "iter_batches", "read_page"]

ValueKind = Literal["datetime", "date", "text", "int"]


@dataclass(frozen=True)
class SortKey:
    """A sort the API allows: its public name, column, value kind, direction and whether it may be NULL."""

    name: str
    column: ColumnElement[Any]
    kind: ValueKind
    descending: bool = False
    nullable: bool = True


@dataclass(frozen=True)
class Cursor:
    """Where the previous page stopped."""

    sort: str
    phase: Literal["v", "n"]
    value: Any
    last_id: int


def _bad_cursor() -> HTTPException:
    return HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "The cursor is not valid for this query.")


def encode_cursor(cursor: Cursor) -> str:
    """The opaque form of ``cursor``."""
    value = cursor.value.isoformat() if isinstance(cursor.value, datetime | date) else cursor.value
    raw = json.dumps([cursor.sort, cursor.phase, value, cursor.last_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _parse_value(kind: ValueKind, value: Any) -> Any:
    if kind == "datetime" and isinstance(value, str):
        return to_utc(datetime.fromisoformat(value))
    if kind == "date" and isinstance(value, str):
        return date.fromisoformat(value)
    if kind == "text" and isinstance(value, str) and "\x00" not in value:
        return value
    if kind == "int" and isinstance(value, int) and not isinstance(value, bool) and abs(value) <= MAX_ID:
        return value
    raise ValueError("bad cursor value")


def decode_cursor(token: str, sort: SortKey) -> Cursor:
    """Parse a cursor made by :func:`encode_cursor` for the same sort; 422 for anything else."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        name, phase, value, last_id = json.loads(raw)
        if name != sort.name or phase not in ("v", "n") or not isinstance(last_id, int) or isinstance(last_id, bool):
            raise ValueError("cursor of another query")
        if not 0 <= last_id <= MAX_ID:
            raise ValueError("id out of range")
        parsed = None if phase == "n" else _parse_value(sort.kind, value)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError, OverflowError):
        raise _bad_cursor() from None
    return Cursor(sort=name, phase=phase, value=parsed, last_id=last_id)


def _after(sort: SortKey, id_column: ColumnElement[Any], cursor: Cursor) -> ColumnElement[bool]:
    """Rows strictly after the cursor within its phase (sargable on an index of the sort column)."""
    column = sort.column
    if sort.descending:
        return and_(column <= cursor.value, or_(column < cursor.value, id_column < cursor.last_id))
    return and_(column >= cursor.value, or_(column > cursor.value, id_column > cursor.last_id))


def _phase_query(
    base: Select[Any], sort: SortKey, id_column: ColumnElement[Any], phase: Literal["v", "n"], cursor: Cursor | None
) -> Select[Any]:
    query = base.add_columns(sort.column.label("_sort_value"))
    if phase == "v":
        if sort.nullable:
            query = query.where(sort.column.is_not(None))
        if cursor is not None and cursor.phase == "v":
            query = query.where(_after(sort, id_column, cursor))
        order = (sort.column.desc(), id_column.desc()) if sort.descending else (sort.column.asc(), id_column.asc())
        return query.order_by(*order)
    query = query.where(sort.column.is_(None))
    if cursor is not None and cursor.phase == "n":
        query = query.where(id_column < cursor.last_id if sort.descending else id_column > cursor.last_id)
    return query.order_by(id_column.desc() if sort.descending else id_column.asc())


def _merged(
    session: Session,
    query: Select[Any],
    partitions: Sequence[ColumnElement[bool]],
    sort: SortKey,
    id_column: ColumnElement[Any],
    phase: Literal["v", "n"],
    wanted: int,
) -> list[Row[Any]]:
    rows: list[Row[Any]] = []
    for partition in partitions:
        rows.extend(session.execute(query.where(partition).limit(wanted)).all())

    def order(row: Row[Any]) -> tuple[Any, ...]:
        mapping = row._mapping
        return (mapping["_sort_value"], mapping[id_column]) if phase == "v" else (mapping[id_column],)

    rows.sort(key=order, reverse=sort.descending)
    return rows[:wanted]


def _distinct_rows(
    session: Session,
    base: Select[Any],
    sort: SortKey,
    id_column: ColumnElement[Any],
    phase: Literal["v", "n"],
    cursor: Cursor | None,
    wanted: int,
) -> list[Row[Any]]:
    """Up to ``wanted`` rows of distinct ids in the phase, after ``cursor``, from a ``base`` that repeats ids."""
    rows: list[Row[Any]] = []
    seen: set[int] = set()
    while len(rows) < wanted:
        asked = wanted - len(rows)
        batch = session.execute(_phase_query(base, sort, id_column, phase, cursor).limit(asked)).all()
        for row in batch:
            row_id = int(row._mapping[id_column])
            if row_id not in seen:
                seen.add(row_id)
                rows.append(row)
        if len(batch) < asked:
            break
        last = batch[-1]._mapping
        cursor = Cursor(sort=sort.name, phase=phase, value=last["_sort_value"], last_id=int(last[id_column]))
    return rows


def _after_cursor(sort: SortKey, cursor: Cursor | None, value: Any, row_id: int) -> bool:
    if cursor is None:
        return True
    if cursor.phase == "n":
        return value is None and (row_id < cursor.last_id if sort.descending else row_id > cursor.last_id)
    if value is None:
        return True
    if sort.descending:
        return bool(value < cursor.value or (value == cursor.value and row_id < cursor.last_id))
    return bool(value > cursor.value or (value == cursor.value and row_id > cursor.last_id))


def _read_candidates(
    session: Session,
    base: Select[Any],
    sort: SortKey,
    id_column: ColumnElement[Any],
    *,
    limit: int,
    cursor: Cursor | None,
) -> list[Row[Any]]:
    """The page's rows when ``base`` is narrowed to a short list of ids: their sort values are read through the
    primary key and ordered here, then only the page's rows are read in full."""
    # The stored values, as the database compares them (no per-row conversion to Python objects on SQLite, where
    # datetimes are text); the cursor's value is put in the same form to compare with them.
    dialect = session.get_bind().dialect
    raw = type_coerce(sort.column, String())
    keys = session.execute(base.with_only_columns(id_column, raw).order_by(None)).all()
    valued = sorted(((v, int(i)) for i, v in keys if v is not None), reverse=sort.descending)
    nulls = sorted((int(i) for i, v in keys if v is None), reverse=sort.descending)
    ordered = [(v, i) for v, i in valued] + [(None, i) for i in nulls]
    if cursor is not None and cursor.value is not None:
        to_stored = sort.column.type.dialect_impl(dialect).bind_processor(dialect)
        cursor = replace(cursor, value=to_stored(cursor.value) if to_stored is not None else cursor.value)
    wanted = [i for v, i in ordered if _after_cursor(sort, cursor, v, i)][: limit + 1]
    if not wanted:
        return []
    # Only the ids: ``base``'s filters are already applied, and repeating them lets a planner misjudge the rows.
    page = (
        select(*base.selected_columns, sort.column.label("_sort_value"))
        .select_from(*base.get_final_froms())
        .where(id_column.in_(wanted))
    )
    found = {int(row._mapping[id_column]): row for row in session.execute(page)}
    return [found[i] for i in wanted if i in found]


def read_page(
    session: Session,
    base: Select[Any],
    sort: SortKey,
    id_column: ColumnElement[Any],
    *,
    limit: int,
    cursor: Cursor | None,
    partitions: Sequence[ColumnElement[bool]] | None = None,
    candidates: bool = False,
    repeats: bool = False,
) -> tuple[Sequence[Row[Any]], Cursor | None]:
    """Up to ``limit`` rows after ``cursor`` and the cursor of the next page (``None`` on the last page).

    ``repeats``: ``base`` may return a row more than once (a join to a table with several rows per id); rows of one
    id are adjacent in (value, id) order, so only its first is kept and the phase is read on until the page fills.

    ``candidates``: ``base`` is narrowed to a short list of ids (a selective label or rule); the rows are then
    ordered from their sort values read through the primary key, instead of walking the sort index.

    ``partitions`` (disjoint conditions that together cover ``base``, e.g. one per container of a team) read each
    partition's first rows through its own ordered index range and merge them, instead of sorting every matching
    row when the rows of interest are spread over many containers.
    """
    rows: list[Row[Any]] = []
    if candidates and sort.kind != "text":
        rows = _read_candidates(session, base, sort, id_column, limit=limit, cursor=cursor)
        return _page(rows, sort, id_column, limit)
    phases: list[Literal["v", "n"]] = ["v", "n"] if sort.nullable else ["v"]
    if cursor is not None and cursor.phase == "n":
        phases = ["n"]
    if sort.kind == "text":
        partitions = None  # the database's collation orders text; a merge here could disagree with it
    for phase in phases:
        wanted = limit + 1 - len(rows)
        query = _phase_query(base, sort, id_column, phase, cursor)
        if partitions:
            rows.extend(_merged(session, query, partitions, sort, id_column, phase, wanted))
        elif repeats:
            rows.extend(_distinct_rows(session, base, sort, id_column, phase, cursor, wanted))
        else:
            rows.extend(session.execute(query.limit(wanted)).all())
        if len(rows) > limit:
            break
    return _page(rows, sort, id_column, limit)


def _page(
    rows: Sequence[Row[Any]], sort: SortKey, id_column: ColumnElement[Any], limit: int
) -> tuple[Sequence[Row[Any]], Cursor | None]:
    if len(rows) <= limit:
        return rows, None
    last = rows[limit - 1]
    last_value = last._mapping["_sort_value"]
    last_id = int(last._mapping[id_column])
    next_cursor = Cursor(
        sort=sort.name,
        phase="v" if last_value is not None or not sort.nullable else "n",
        value=last_value,
        last_id=last_id,
    )
    return rows[:limit], next_cursor


def iter_batches(
    fetch: Callable[[Cursor | None], tuple[Sequence[BaseModel], Cursor | None]], cursor: Cursor | None
) -> Iterator[list[dict[str, Any]]]:
    """Every row of a paged view, one page (one short read transaction in ``fetch``) at a time, as dicts."""
    while True:
        rows, cursor = fetch(cursor)
        yield [row.model_dump() for row in rows]
        if cursor is None:
            return
