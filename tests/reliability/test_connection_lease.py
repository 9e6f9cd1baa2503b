"""The per-connection sync lease (sync/connection_lease.py) on both dialects: one holder at a time; a lease left
by a killed process (even one not reaped yet) or by this process is taken over at once; one held elsewhere only
once it expired; runs left 'running' by the dead holder are closed with the reason."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from models.db import Database
from models.tables import JOB_LEASES, RUNS
from sync.connection_lease import SyncAlreadyRunning, connection_sync_lease, lease_name, process_holder
from sync.store import ensure_connection

pytestmark = pytest.mark.reliability


@pytest.fixture
def connection_id(database: Database) -> int:
    return ensure_connection(database, name="lease", vendor="jira", base_url="http://127.0.0.1:1")


def leave_lease(database: Database, connection_id: int, holder: str, *, expires_in: timedelta) -> None:
    """What a holder that never released leaves behind."""
    with database.read_session() as session:
        exists = session.execute(select(JOB_LEASES.c.name).where(JOB_LEASES.c.name == lease_name(connection_id))).all()
    if not exists:
        with connection_sync_lease(database, connection_id, holder=holder):
            pass
    now = datetime.now(UTC)
    with database.session() as session:
        session.execute(
            update(JOB_LEASES)
            .where(JOB_LEASES.c.name == lease_name(connection_id))
            .values(holder=holder, finished_at=None, expires_at=now + expires_in)
        )
        session.commit()


def test_one_holder_at_a_time_then_free_again(database: Database, connection_id: int) -> None:
    with (
        connection_sync_lease(database, connection_id, holder="elsewhere:1:1"),
        pytest.raises(SyncAlreadyRunning, match="elsewhere:1:1"),
        connection_sync_lease(database, connection_id, holder="other-host:2:2"),
    ):
        pass
    with connection_sync_lease(database, connection_id, holder="other-host:2:2") as held:
        assert held == "other-host:2:2"


def test_a_lease_held_on_another_host_waits_for_its_expiry(database: Database, connection_id: int) -> None:
    leave_lease(database, connection_id, "other-host:4242:1", expires_in=timedelta(minutes=2))
    with pytest.raises(SyncAlreadyRunning), connection_sync_lease(database, connection_id):
        pass
    leave_lease(database, connection_id, "other-host:4242:1", expires_in=timedelta(seconds=-1))
    with connection_sync_lease(database, connection_id) as held:
        assert held == process_holder()


def test_a_killed_process_s_lease_is_taken_over_at_once_and_its_run_closed(
    database: Database, connection_id: int
) -> None:
    victim = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    try:
        leave_lease(database, connection_id, f"{socket.gethostname()}:{victim.pid}:1", expires_in=timedelta(minutes=2))
        with database.session() as session:
            session.execute(
                RUNS.insert().values(
                    connection_id=connection_id, kind="full", status="running", started_at=datetime.now(UTC)
                )
            )
            session.commit()
        with pytest.raises(SyncAlreadyRunning), connection_sync_lease(database, connection_id):  # alive: it stands
            pass
        victim.kill()  # kill -9; not reaped yet: a zombie still answers kill(pid, 0)
        os.waitid(os.P_PID, victim.pid, os.WEXITED | os.WNOWAIT)  # dead, left unreaped
        with connection_sync_lease(database, connection_id) as held:
            assert held == process_holder()
    finally:
        victim.wait()
    with database.read_session() as session:
        status, message = session.execute(select(RUNS.c.status, RUNS.c.error_message)).one()
    assert status == "failed"
    assert "interrupted" in str(message)


def test_this_process_takes_back_a_lease_it_could_not_release(database: Database, connection_id: int) -> None:
    leave_lease(database, connection_id, process_holder(), expires_in=timedelta(minutes=2))
    with connection_sync_lease(database, connection_id) as held:
        assert held == process_holder()
