"""The emulator clock over an injected wall clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from emulators.clock import EmulatorClock

START = datetime(2025, 1, 1, tzinfo=UTC)


class FakeWall:
    """A wall clock the test moves by hand."""

    def __init__(self) -> None:
        self.seconds = 1_000_000.0

    def __call__(self) -> float:
        return self.seconds


def test_runs_with_the_wall_from_its_start() -> None:
    wall = FakeWall()
    clock = EmulatorClock(start=START, wall=wall)
    wall.seconds += 90
    assert clock.now() == START + timedelta(seconds=90)


def test_set_advance_freeze_unfreeze_and_speed() -> None:
    wall = FakeWall()
    clock = EmulatorClock(start=START, wall=wall)
    clock.freeze()
    wall.seconds += 1000
    assert clock.now() == START
    clock.advance(timedelta(hours=2))
    assert clock.now() == START + timedelta(hours=2)
    clock.set(START + timedelta(days=1))
    assert clock.frozen
    assert clock.now() == START + timedelta(days=1)
    clock.unfreeze()
    clock.set_speed(60)
    wall.seconds += 10
    assert clock.now() == START + timedelta(days=1, minutes=10)
    assert clock.snapshot()["speed"] == 60
    with pytest.raises(ValueError, match="positive"):
        clock.set_speed(0)


def test_default_is_real_time_with_zero_offset() -> None:
    wall = FakeWall()
    clock = EmulatorClock(wall=wall)
    assert clock.offset_seconds == 0
    assert clock.timestamp() == wall.seconds
