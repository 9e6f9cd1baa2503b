"""The emulator clock: real time plus an offset, which tests and the control API set, advance or freeze."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

__all__ = ["EmulatorClock", "WallClock", "from_epoch", "to_epoch"]

WallClock = Callable[[], float]


def to_epoch(moment: datetime) -> float:
    """Return the POSIX timestamp of an aware datetime (naive values are taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def from_epoch(seconds: float) -> datetime:
    """Return the aware UTC datetime of a POSIX timestamp."""
    return datetime.fromtimestamp(seconds, tz=UTC)


class EmulatorClock:
    """Emulated time = anchor + (wall - wall_anchor) x speed; frozen clocks do not move until told to."""

    def __init__(self, *, start: datetime | None = None, speed: float = 1.0, wall: WallClock = time.time) -> None:
        if speed <= 0:
            raise ValueError("clock speed must be positive")
        self._wall = wall
        self._lock = threading.Lock()
        self._wall_anchor = wall()
        self._anchor = to_epoch(start) if start is not None else self._wall_anchor
        self._speed = speed
        self._frozen = False

    def timestamp(self) -> float:
        """Return emulated now as a POSIX timestamp."""
        with self._lock:
            return self._now_locked()

    def now(self) -> datetime:
        """Return emulated now as an aware UTC datetime."""
        return from_epoch(self.timestamp())

    @property
    def frozen(self) -> bool:
        """Whether the clock stands still."""
        return self._frozen

    @property
    def speed(self) -> float:
        """Emulated seconds per wall second while running."""
        return self._speed

    @property
    def offset_seconds(self) -> float:
        """Emulated now minus wall now, in seconds."""
        with self._lock:
            return self._now_locked() - self._wall()

    def set(self, moment: datetime) -> None:
        """Jump to a moment; a frozen clock stays frozen there."""
        with self._lock:
            self._rebase(to_epoch(moment))

    def advance(self, delta: timedelta | float) -> None:
        """Move the clock forward (or back, with a negative delta)."""
        seconds = delta.total_seconds() if isinstance(delta, timedelta) else float(delta)
        with self._lock:
            self._rebase(self._now_locked() + seconds)

    def freeze(self) -> None:
        """Stop the clock at its current emulated time."""
        with self._lock:
            self._rebase(self._now_locked())
            self._frozen = True

    def unfreeze(self) -> None:
        """Let the clock run again from where it stands."""
        with self._lock:
            self._rebase(self._now_locked())
            self._frozen = False

    def set_speed(self, speed: float) -> None:
        """Change how many emulated seconds pass per wall second."""
        if speed <= 0:
            raise ValueError("clock speed must be positive")
        with self._lock:
            self._rebase(self._now_locked())
            self._speed = speed

    def wall_seconds(self, emulated_seconds: float) -> float:
        """Return the wall time that `emulated_seconds` take at the current speed."""
        return emulated_seconds / self._speed

    def snapshot(self) -> dict[str, object]:
        """Return the clock's state as JSON-ready data."""
        now = self.timestamp()
        return {
            "now": from_epoch(now).isoformat().replace("+00:00", "Z"),
            "epoch": now,
            "frozen": self._frozen,
            "speed": self._speed,
            "offset_seconds": now - self._wall(),
        }

    def _now_locked(self) -> float:
        if self._frozen:
            return self._anchor
        return self._anchor + (self._wall() - self._wall_anchor) * self._speed

    def _rebase(self, emulated: float) -> None:
        self._anchor = emulated
        self._wall_anchor = self._wall()
