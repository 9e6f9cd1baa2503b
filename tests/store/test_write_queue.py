"""Writers of one process take turns in arrival order before SQLite's write lock (models/write_queue.py)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import Column, Integer, MetaData, Table

from models.db import Database
from models.write_queue import WriteQueue
from tests.waiting import wait_for


def test_turns_are_served_in_arrival_order_and_reentry_does_not_queue() -> None:
    queue = WriteQueue()
    assert queue.acquire(1.0)
    assert queue.acquire(1.0)  # the same thread again: no wait
    served: list[int] = []

    def writer(number: int) -> None:
        assert queue.acquire(30.0)
        served.append(number)
        queue.release()

    threads = []
    for number in range(5):
        thread = threading.Thread(target=writer, args=(number,))
        thread.start()
        threads.append(thread)
        wait_for(lambda n=number: True if queue.waiting == n + 1 else None, timeout=30, interval=0.005)  # type: ignore[misc]
    queue.release()
    assert served == []  # still held once
    queue.release()
    for thread in threads:
        thread.join(30)
    assert served == [0, 1, 2, 3, 4]
    with pytest.raises(RuntimeError, match="not held"):
        queue.release()


def test_a_writer_that_gives_up_leaves_the_line_to_the_next() -> None:
    queue = WriteQueue()
    assert queue.acquire(1.0)
    outcome: list[bool] = []
    impatient = threading.Thread(target=lambda: outcome.append(queue.acquire(0.05)))
    impatient.start()
    impatient.join(30)
    assert outcome == [False]
    assert queue.waiting == 0
    queue.release()
    assert queue.acquire(0.05)  # nobody left in front
    queue.release()


@pytest.mark.reliability
def test_a_writer_behind_a_long_transaction_waits_its_turn_instead_of_database_is_locked(tmp_path: Path) -> None:
    """SQLite alone fails the second writer after its busy timeout (0.3 s) while the first holds the lock for 1 s;
    in one process the second waits its turn (up to six busy timeouts) and commits."""
    database = Database.from_url(f"sqlite:///{tmp_path / 'q.db'}", busy_timeout_ms=300)
    rows = Table("rows", MetaData(), Column("id", Integer, primary_key=True))
    rows.metadata.create_all(database.engine)
    holding = threading.Event()
    errors: list[BaseException] = []

    def long_writer() -> None:
        with database.engine.begin() as connection:
            connection.execute(rows.insert().values(id=1))
            holding.set()
            time.sleep(1.0)  # a transaction that outlasts SQLite's busy timeout, which runs on the real clock

    def second_writer() -> None:
        try:
            with database.engine.begin() as connection:
                connection.execute(rows.insert().values(id=2))
        except BaseException as error:  # asserted below
            errors.append(error)

    first = threading.Thread(target=long_writer)
    first.start()
    assert holding.wait(30)
    second = threading.Thread(target=second_writer)
    second.start()
    first.join(30)
    second.join(30)
    assert errors == []
    with database.engine.connect() as connection:
        assert connection.execute(rows.select().order_by(rows.c.id)).scalars().all() == [1, 2]
    database.dispose()
