"""The inbox's group commit (api/webhooks/group_commit.py) on both dialects: concurrent deliveries share
transactions, each learns exactly whether its rows were new, and a delivery the store refuses fails alone."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError, OperationalError

from api.webhooks.group_commit import InboxCommitter
from connectors.records import WebhookDelivery
from models.db import Database
from models.tables import WEBHOOK_EVENTS
from sync.store import ensure_connection

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def inbox_count(database: Database) -> int:
    with database.read_session() as session:
        return int(session.execute(select(func.count()).select_from(WEBHOOK_EVENTS)).scalar_one())


async def store_many(committer: InboxCommitter, connection_ids: list[int], ids: list[str]) -> list[int | BaseException]:
    async def one(connection_id: int, delivery_id: str) -> int:
        delivery = WebhookDelivery(delivery_id, "jira:issue_updated", "10001")
        return await committer.store(
            source="jira", connection_id=connection_id, deliveries=(delivery,), body=b"{}", now=NOW
        )

    return await asyncio.gather(*(one(c, d) for c, d in zip(connection_ids, ids, strict=True)), return_exceptions=True)


def test_concurrent_deliveries_share_transactions_and_duplicates_are_new_once(database: Database) -> None:
    connection_id = ensure_connection(database, name="jira", vendor="jira", base_url="https://x.test")
    committer = InboxCommitter(database)
    ids = [f"d{n % 150}" for n in range(300)]  # every delivery twice, the duplicates often in the same batch
    results = asyncio.run(store_many(committer, [connection_id] * len(ids), ids))
    assert all(isinstance(r, int) for r in results)
    assert sum(r for r in results if isinstance(r, int)) == 150
    assert inbox_count(database) == 150
    assert committer.batches < len(ids)  # shared transactions
    print(f"\n{len(ids)} deliveries in {committer.batches} transactions")


def test_a_delivery_the_store_refuses_fails_alone(database: Database) -> None:
    connection_id = ensure_connection(database, name="jira", vendor="jira", base_url="https://x.test")
    committer = InboxCommitter(database)
    connections = [connection_id] * 20
    connections[7] = 987_654  # no such connection: the foreign key refuses it
    results = asyncio.run(store_many(committer, connections, [f"d{n}" for n in range(20)]))
    assert isinstance(results[7], IntegrityError)
    assert [r for n, r in enumerate(results) if n != 7] == [1] * 19
    assert inbox_count(database) == 19


def test_store_unavailable_raises_to_every_waiting_request_at_once() -> None:
    unreachable = Database.from_url("postgresql+psycopg://postgres@127.0.0.1:1/nowhere?connect_timeout=2")
    committer = InboxCommitter(unreachable)
    results = asyncio.run(store_many(committer, [1] * 20, [f"d{n}" for n in range(20)]))
    assert all(isinstance(result, OperationalError) for result in results)
    assert committer.batches == 0
    unreachable.dispose()


@pytest.mark.parametrize("idle_seconds", [0.01])
def test_the_writer_thread_exits_when_idle_and_restarts(database: Database, idle_seconds: float) -> None:
    connection_id = ensure_connection(database, name="jira", vendor="jira", base_url="https://x.test")
    committer = InboxCommitter(database, idle_seconds=idle_seconds)
    assert asyncio.run(store_many(committer, [connection_id], ["d1"])) == [1]
    asyncio.run(asyncio.sleep(0.2))
    assert committer._thread is None
    assert asyncio.run(store_many(committer, [connection_id], ["d2"])) == [1]


def test_a_kept_connection_that_died_is_replaced_and_the_batch_stored(database: Database) -> None:
    """The writer keeps its connection between batches (no pre-ping): one that died while kept (PostgreSQL:
    its server process terminated, as in a restart; SQLite: closed behind SQLAlchemy's back) is replaced and
    the batch is stored, not refused."""
    connection_id = ensure_connection(database, name="jira", vendor="jira", base_url="https://x.test")
    committer = InboxCommitter(database, idle_seconds=30)
    assert asyncio.run(store_many(committer, [connection_id], ["d1"])) == [1]
    kept = committer._connection
    assert kept is not None
    if database.dialect == "postgresql":
        backend = kept.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
        kept.rollback()
        with database.engine.connect() as admin:
            admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": backend})
    else:
        kept.connection.dbapi_connection.close()  # type: ignore[union-attr]
    assert asyncio.run(store_many(committer, [connection_id], ["d2"])) == [1]
    assert committer._connection is not None
    assert committer._connection is not kept
    assert asyncio.run(store_many(committer, [connection_id, connection_id], ["d3", "d1"])) == [1, 0]
    assert inbox_count(database) == 3


def test_a_batch_larger_than_one_statement_is_stored_in_one_transaction(database: Database) -> None:
    """Past one statement's worth of rows (PostgreSQL sends smaller batches as a lone INSERT) the batch is one
    explicit transaction; small and large batches alternate on the writer's one connection."""
    connection_id = ensure_connection(database, name="jira", vendor="jira", base_url="https://x.test")
    committer = InboxCommitter(database)
    many = tuple(WebhookDelivery(f"big-{n}", "jira:issue_updated", str(n)) for n in range(2_500))

    async def one_large_then_small() -> list[int]:
        large = await committer.store(source="jira", connection_id=connection_id, deliveries=many, body=b"{}", now=NOW)
        small = await store_many(committer, [connection_id] * 3, ["s1", "s2", "big-7"])
        again = await committer.store(source="jira", connection_id=connection_id, deliveries=many, body=b"{}", now=NOW)
        return [large, *(s for s in small if isinstance(s, int)), again]

    assert asyncio.run(one_large_then_small()) == [2_500, 1, 1, 0, 0]
    assert inbox_count(database) == 2_502
