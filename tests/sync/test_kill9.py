"""P7: `baton sync` killed with SIGKILL at 20 seeded random points, rerun each time, converges exactly.

Real parts throughout: `baton emulate jira` in its own process over HTTP, `baton sync` as child processes, the
store a SQLite file (or a fresh PostgreSQL database with BATON_TEST_DATABASE=postgresql). The reference is an
uninterrupted `baton sync --full` into another store; the digests (tests/digest.py) must be identical.

The control: the same schedule against the cursor-first build (tests/e2e/cursor_first_baton.py, which commits
each batch's cursor before its data) must lose items, proving the schedule catches an early checkpoint.

Items: BATON_P7_ITEMS (default 2,000 in the suite; bench/p7_kill9.py runs 20,000 and 100,000 with the same code).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, select

import migrations
from models.db import Database
from models.tables import ITEMS
from tests.dbutil import DIALECT, fresh_database_url
from tests.digest import store_digest
from tests.e2e.kill9 import kill_schedule, sync_with_kills
from tests.e2e.processes import BATON, EmulatorProcess, baton_env, run_baton, running_emulators

pytestmark = [pytest.mark.store, pytest.mark.reliability, pytest.mark.slow]

ITEMS_TO_SYNC = int(os.environ.get("BATON_P7_ITEMS", "2000"))
KILLS = 20
SEED = 7
CONTROL = (sys.executable, str(Path(__file__).resolve().parents[1] / "e2e" / "cursor_first_baton.py"))


@dataclass(frozen=True)
class Reference:
    """The emulator, and the digest and item count of an uninterrupted full sync of it."""

    emulator: EmulatorProcess
    digest: str
    items: int
    workdir: Path


def migrated(url: str) -> Database:
    database = Database.from_url(url)
    migrations.upgrade_to_head(database.engine)
    return database


def item_count(database: Database) -> int:
    with database.read_session() as session:
        return int(
            session.execute(select(func.count()).select_from(ITEMS).where(ITEMS.c.deleted_at.is_(None))).scalar_one()
        )


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Reference]:
    workdir = tmp_path_factory.mktemp("p7")
    with (
        running_emulators(["jira"], items=ITEMS_TO_SYNC, seed=42, workdir=workdir) as emulator,
        fresh_database_url(DIALECT, workdir) as url,
    ):
        database = migrated(url)
        try:
            done = run_baton(["sync", "--full"], env=baton_env(url, emulator.policy), cwd=workdir)
            assert done.returncode == 0, done.stdout + done.stderr
            yield Reference(emulator, store_digest(database), item_count(database), workdir)
        finally:
            database.dispose()


def killed_sync(reference: Reference, program: tuple[str, ...], tmp_path: Path) -> tuple[str, int, int]:
    """Run the kill schedule with ``program``; (digest, live items, kills that landed)."""
    with fresh_database_url(DIALECT, tmp_path) as url:
        database = migrated(url)
        try:
            log = sync_with_kills(
                program,
                env=baton_env(url, reference.emulator.policy),
                cwd=tmp_path,
                database=database,
                points=kill_schedule(SEED, reference.items, KILLS + 2),  # two spare: a run may end first
            )
            assert log.final_returncode == 0, log.final_output
            return store_digest(database), item_count(database), log.kills
        finally:
            database.dispose()


def test_p7_kill9_at_20_points_then_rerun_gives_the_uninterrupted_digest(reference: Reference, tmp_path: Path) -> None:
    assert reference.items == ITEMS_TO_SYNC
    digest, items, kills = killed_sync(reference, (BATON,), tmp_path)
    assert kills >= KILLS
    assert items == reference.items
    assert digest == reference.digest


def test_p7_control_the_cursor_first_build_loses_items_under_the_same_kills(
    reference: Reference, tmp_path: Path
) -> None:
    digest, items, kills = killed_sync(reference, CONTROL, tmp_path)
    assert kills >= KILLS
    assert items < reference.items, "the cursor-first control build lost nothing: the kill schedule is too weak"
    assert digest != reference.digest
