"""P7 (and D4): `baton sync` killed with SIGKILL at 20 seeded random points, rerun each time, converges exactly.

Real parts throughout: `baton emulate jira` in its own process over HTTP, the `baton` command line as child
processes (``python -m cli``), the store a SQLite file or, with BATON_TEST_DATABASE=postgresql, a fresh
PostgreSQL database. The reference is an uninterrupted `baton sync --full` into another store of the same
dialect; the digests (tests/digest.py) must be identical. The control build is in test_kill9_control.py.

Items: BATON_P7_ITEMS (2,000 in the suite; bench/p7_kill9.py runs 20,000 and 100,000 with the same code).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.dbutil import DIALECT
from tests.e2e.kill9 import Reference, kill_schedule, killed_sync, uninterrupted_reference
from tests.e2e.processes import BATON_CLI

pytestmark = [pytest.mark.store, pytest.mark.reliability, pytest.mark.slow]

ITEMS_TO_SYNC = int(os.environ.get("BATON_P7_ITEMS", "2000"))
KILLS = 20
SEED = 7


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Reference]:
    workdir = tmp_path_factory.mktemp("p7")
    with uninterrupted_reference(items=ITEMS_TO_SYNC, seed=42, dialect=DIALECT, workdir=workdir) as made:
        yield made


def test_p7_kill9_at_20_points_then_rerun_gives_the_uninterrupted_digest(reference: Reference, tmp_path: Path) -> None:
    assert reference.items == ITEMS_TO_SYNC
    points = kill_schedule(SEED, reference.items, KILLS + 2)  # two spare: a late run may finish before its kill
    outcome = killed_sync(reference, BATON_CLI, points=points, dialect=DIALECT, workdir=tmp_path)
    assert outcome.log.kills >= KILLS
    assert outcome.items == reference.items
    assert outcome.digest == reference.digest
