"""D1, D2: SQLite pragmas on every pooled connection, and write contention without 'database is locked'."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, select, text
from sqlalchemy.exc import OperationalError

from models import Connection
from models.db import Database, create_db_engine, sqlite_file_path


@pytest.mark.reliability
def test_d1_pragmas_hold_on_every_pooled_connection(tmp_path: Path) -> None:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'p.db'}", pool_size=4)
    held = [engine.raw_connection() for _ in range(8)]  # pool_size + overflow: eight distinct connections
    try:
        assert len({id(c.dbapi_connection) for c in held}) == 8

        def pragma(connection: object, name: str) -> object:
            cursor = connection.cursor()  # type: ignore[attr-defined]
            cursor.execute("PRAGMA " + name)
            return cursor.fetchone()[0]

        for connection in held:
            assert pragma(connection, "journal_mode") == "wal"
            assert pragma(connection, "busy_timeout") >= 5000  # type: ignore[operator]
            assert pragma(connection, "foreign_keys") == 1
    finally:
        for connection in held:
            connection.close()
        engine.dispose()


def test_write_transactions_begin_immediate_and_reads_deferred(tmp_path: Path) -> None:
    database = Database.from_url(f"sqlite:///{tmp_path / 'b.db'}")
    statements: list[str] = []

    from sqlalchemy import event

    @event.listens_for(database.engine, "before_cursor_execute")
    def _record(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    with database.session() as session:
        session.execute(text("SELECT 1"))
    with database.read_session() as session:
        session.execute(text("SELECT 1"))
    assert [s for s in statements if s.startswith("BEGIN")] == ["BEGIN IMMEDIATE", "BEGIN DEFERRED"]
    database.dispose()


@pytest.mark.reliability
def test_d2_eight_threads_read_modify_write_lose_nothing(tmp_path: Path) -> None:
    database = Database.from_url(f"sqlite:///{tmp_path / 'c.db'}", pool_size=8)
    counter = Table("counter", MetaData(), Column("id", Integer, primary_key=True), Column("n", Integer))
    counter.metadata.create_all(database.engine)
    with database.engine.begin() as connection:
        connection.execute(counter.insert().values(id=1, n=0))
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(200):
                with database.engine.begin() as connection:
                    value = connection.execute(select(counter.c.n).where(counter.c.id == 1)).scalar_one()
                    connection.execute(counter.update().where(counter.c.id == 1).values(n=value + 1))
        except BaseException as error:  # collected and asserted below
            errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    locked = [e for e in errors if isinstance(e, OperationalError) and "locked" in str(e)]
    assert locked == []
    assert errors == []
    with database.engine.connect() as connection:
        assert connection.execute(select(counter.c.n)).scalar_one() == 1600
    database.dispose()


def test_foreign_keys_are_enforced(database: Database) -> None:
    from models import Container

    with database.session() as session:
        session.add(Container(connection_id=999_999, kind="project", external_id="x", name="orphan"))
        with pytest.raises(Exception, match=r"(?i)foreign key"):
            session.commit()


def test_timestamps_round_trip_as_utc(database: Database) -> None:
    plus_two = timezone(timedelta(hours=2))
    created = datetime(2026, 3, 29, 1, 30, tzinfo=plus_two)
    with database.session() as session:
        session.add(Connection(name="tz", vendor="jira", base_url="http://x", created_at=created))
        session.commit()
    with database.read_session() as session:
        stored = session.exec(select(Connection).where(Connection.name == "tz")).one()[0]  # type: ignore[call-overload]
    assert stored.created_at == created
    assert stored.created_at.tzinfo == UTC
    assert stored.created_at.hour == 23


def test_naive_datetimes_are_refused(database: Database) -> None:
    with database.session() as session:
        session.add(Connection(name="naive", vendor="jira", base_url="http://x", created_at=datetime(2026, 1, 1)))
        with pytest.raises(Exception, match="naive datetime"):
            session.commit()


def test_sqlite_file_path_and_unsupported_dialects(tmp_path: Path) -> None:
    assert sqlite_file_path(f"sqlite:///{tmp_path}/a/b.db") == tmp_path / "a" / "b.db"
    assert sqlite_file_path("sqlite://") is None
    assert sqlite_file_path("postgresql+psycopg://u@h/db") is None
    create_db_engine(f"sqlite:///{tmp_path}/new/dir/x.db").dispose()
    assert (tmp_path / "new" / "dir").is_dir()
    with pytest.raises(ValueError, match="unsupported database"):
        create_db_engine("mysql://u@h/db")
