"""P7's control: the same kill schedule against the cursor-first build must lose items.

tests/e2e/cursor_first_baton.py is the `baton` command line with one test-only change made at start-up: each
batch's cursor is committed in its own transaction before the batch's data. Killed between the two commits, it
leaves a cursor past data the store never got, and the incremental rerun starts after it. This test proves the
schedule of test_kill9.py can catch such a build. It checks the kill schedule, not a dialect, so it runs in the
SQLite pass only (no ``store`` mark); test_kill9.py itself runs on both dialects.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.e2e.kill9 import kill_schedule, killed_sync, uninterrupted_reference
from tests.sync.test_kill9 import ITEMS_TO_SYNC, KILLS, SEED

pytestmark = [pytest.mark.reliability, pytest.mark.slow]

CONTROL = (sys.executable, str(Path(__file__).resolve().parents[1] / "e2e" / "cursor_first_baton.py"))


def test_p7_control_the_cursor_first_build_loses_items_under_the_same_kills(tmp_path: Path) -> None:
    with uninterrupted_reference(items=ITEMS_TO_SYNC, seed=42, dialect="sqlite", workdir=tmp_path) as reference:
        points = kill_schedule(SEED, reference.items, KILLS + 2)
        outcome = killed_sync(reference, CONTROL, points=points, dialect="sqlite", workdir=tmp_path)
    assert outcome.log.kills >= KILLS
    assert outcome.items < reference.items, "the cursor-first build lost nothing: the kill schedule is too weak"
    assert outcome.digest != reference.digest
