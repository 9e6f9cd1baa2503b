"""The batched upsert primitive on both dialects, including D5 (concurrent upserts converge on the max version)."""

from __future__ import annotations

import random
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Table, func, select, text

from models import Connection, WorkItem
from models.db import Database
from sync.upsert import upsert_rows, write_rows

T0 = datetime(2026, 1, 1, tzinfo=UTC)
ITEMS: Table = WorkItem.__table__  # type: ignore[attr-defined]


@pytest.fixture
def connection_id(database: Database) -> Iterator[int]:
    with database.session() as session:
        connection = Connection(name="jira-main", vendor="jira", base_url="http://127.0.0.1:8101")
        session.add(connection)
        session.commit()
        assert connection.id is not None
        yield connection.id


def item_row(connection_id: int, external_id: str, *, minutes: int, title: str, version: str = "") -> dict[str, object]:
    return {
        "connection_id": connection_id,
        "source": "jira",
        "external_id": external_id,
        "key": f"K-{external_id}",
        "title": title,
        "status_raw": "To Do",
        "status_category": "todo",
        "source_updated_at": T0 + timedelta(minutes=minutes),
        "source_version": version,
        "raw": {"v": minutes},
        "first_seen_at": T0 + timedelta(minutes=minutes),
        "updated_at": T0 + timedelta(minutes=minutes),
    }


def upsert_items(database: Database, rows: list[dict[str, object]]) -> int:
    with database.session() as session:
        changed = upsert_rows(
            session,
            ITEMS,
            rows,
            key=("connection_id", "external_id"),
            version=("source_updated_at", "source_version"),
            keep_on_update=("first_seen_at",),
        )
        session.commit()
    return changed


def stored(database: Database) -> dict[str, WorkItem]:
    with database.read_session() as session:
        return {item.external_id: item for item in session.exec(select(WorkItem)).scalars()}  # type: ignore[call-overload]


def test_insert_then_newer_replaces_older_and_equal_do_nothing(database: Database, connection_id: int) -> None:
    assert upsert_items(database, [item_row(connection_id, "1", minutes=10, title="first")]) == 1
    assert upsert_items(database, [item_row(connection_id, "1", minutes=5, title="older")]) == 0
    assert upsert_items(database, [item_row(connection_id, "1", minutes=10, title="same time")]) == 0
    assert stored(database)["1"].title == "first"
    assert upsert_items(database, [item_row(connection_id, "1", minutes=20, title="newer")]) == 1
    item = stored(database)["1"]
    assert item.title == "newer"
    assert item.first_seen_at == T0 + timedelta(minutes=10)  # kept from the insert
    assert item.updated_at == T0 + timedelta(minutes=20)


def test_ties_on_time_break_on_the_version_column(database: Database, connection_id: int) -> None:
    upsert_items(database, [item_row(connection_id, "1", minutes=10, title="v2", version="00000000000000000002")])
    assert (
        upsert_items(database, [item_row(connection_id, "1", minutes=10, title="v1", version="00000000000000000001")])
        == 0
    )
    assert (
        upsert_items(database, [item_row(connection_id, "1", minutes=10, title="v3", version="00000000000000000003")])
        == 1
    )
    assert stored(database)["1"].title == "v3"


def test_duplicate_keys_in_one_batch_keep_the_newest(database: Database, connection_id: int) -> None:
    rows = [item_row(connection_id, "1", minutes=m, title=f"m{m}") for m in (3, 9, 1)]
    assert upsert_items(database, rows) == 1
    assert stored(database)["1"].title == "m9"


def test_batches_beyond_the_bound_parameter_limit(database: Database, connection_id: int) -> None:
    rows = [item_row(connection_id, str(i), minutes=1, title=f"t{i}") for i in range(6_000)]
    assert upsert_items(database, rows) == 6_000
    assert upsert_items(database, rows) == 0  # a re-run changes nothing
    newer = [item_row(connection_id, str(i), minutes=2, title=f"u{i}") for i in range(0, 6_000, 2)]
    assert upsert_items(database, newer) == 3_000
    with database.read_session() as session:
        assert session.execute(select(func.count()).select_from(ITEMS)).scalar_one() == 6_000


def test_empty_input_changes_nothing(database: Database, connection_id: int) -> None:
    assert upsert_items(database, []) == 0


@pytest.mark.reliability
def test_d5_concurrent_upserts_converge_on_the_max_version(database: Database, connection_id: int) -> None:
    """32 workers upsert the same 1,000 keys with random versions: every key ends at its max, with no errors."""
    workers, keys = 32, 1_000
    rng = random.Random(5)
    plans = [[rng.randrange(1, 10_000) for _ in range(keys)] for _ in range(workers)]
    expected = {str(k): max(plan[k] for plan in plans) for k in range(keys)}
    errors: list[BaseException] = []
    start = threading.Barrier(workers)

    def work(plan: list[int]) -> None:
        try:
            start.wait()
            order = list(range(keys))
            random.Random(plan[0]).shuffle(order)  # each worker sends its keys in its own order
            upsert_items(
                database, [item_row(connection_id, str(k), minutes=plan[k], title=str(plan[k])) for k in order]
            )
        except BaseException as error:  # collected and asserted below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(plan,)) for plan in plans]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    final = stored(database)
    at_max = sum(1 for k, item in final.items() if item.title == str(expected[k]))
    assert len(final) == keys
    assert at_max == keys


def test_write_rows_stores_what_upsert_rows_stores_and_keeps_the_version_guard(
    database: Database, connection_id: int
) -> None:
    def rows(prefix: str, minutes: int, title: str) -> list[dict[str, object]]:
        made = [item_row(connection_id, f"{prefix}{n}", minutes=minutes + n, title=f"{title} {n}") for n in range(5)]
        for row in made:
            row["due"] = (T0 + timedelta(days=3)).date()
            row["estimate"] = 2.5
            row["resolved_at"] = None
        return made

    guard = {"key": ("connection_id", "external_id"), "version": ("source_updated_at", "source_version")}
    with database.session() as session:
        upsert_rows(session, ITEMS, rows("a", 10, "first"), **guard)  # type: ignore[arg-type]
        write_rows(session, ITEMS, rows("b", 10, "first"), **guard)  # type: ignore[arg-type]
        write_rows(session, ITEMS, rows("b", 5, "older"), **guard)  # type: ignore[arg-type]  # refused: older
        session.commit()

    def stored(prefix: str) -> list[tuple[object, ...]]:
        with database.read_session() as session:
            result = session.execute(  # text: the values as the database holds them, no result processing
                text(
                    "SELECT title, source_updated_at, raw, due, estimate, first_seen_at, resolved_at FROM work_item"
                    " WHERE external_id LIKE :pattern ORDER BY external_id"
                ),
                {"pattern": f"{prefix}%"},
            )
            return [tuple(row) for row in result]

    assert stored("b") == stored("a")
    assert [row[0] for row in stored("b")] == [f"first {n}" for n in range(5)]
