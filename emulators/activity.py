"""The activity simulator: a background task applying random changes at a steady rate (off by default)."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from emulators.mutations import ActivityGenerator

__all__ = ["ActivitySimulator"]

log = logging.getLogger(__name__)


class ActivitySimulator:
    """Applies `per_minute` random changes per wall minute through the normal mutation path."""

    def __init__(self, generator: ActivityGenerator, per_minute: float) -> None:
        self.generator = generator
        self.per_minute = per_minute
        self.applied = 0
        self._task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        """Whether the background task runs."""
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        """Start in the running loop (no-op at a rate of 0)."""
        if self.per_minute > 0 and not self.running:
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        """Stop and wait for the task to end."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        interval = 60.0 / self.per_minute
        while True:
            await asyncio.sleep(interval)
            try:
                if self.generator.apply_random() is not None:
                    self.applied += 1
            except Exception:  # a simulated change must never kill the emulator
                log.exception("simulated activity failed")
