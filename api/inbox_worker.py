"""The inbox worker thread of `baton serve`: drains verified webhooks into the store, seconds after arrival."""

from __future__ import annotations

import logging
import threading

from sync.inbox import InboxProcessor

__all__ = ["InboxWorker"]

log = logging.getLogger(__name__)


class InboxWorker:
    """Runs ``processor.run_once`` until stopped; idles ``idle_seconds`` when nothing is due."""

    def __init__(self, processor: InboxProcessor, *, idle_seconds: float = 0.5) -> None:
        self._processor = processor
        self._idle = idle_seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="baton-inbox", daemon=True)

    def start(self) -> None:
        """Start the thread."""
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Ask the thread to finish its pass and wait for it."""
        self._stop.set()
        self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                outcome = self._processor.run_once()
            except Exception:  # the store may be briefly unavailable; the rows stay leased or pending
                log.exception("inbox pass failed; retrying shortly")
                self._stop.wait(self._idle * 4)
                continue
            if outcome.claimed == 0:
                self._stop.wait(self._idle)
