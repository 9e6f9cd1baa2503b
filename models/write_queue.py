"""One SQLite writer at a time within a process, served in arrival order.

SQLite has a single write lock. Writers in other processes queue on its busy timeout, a handler that sleeps and
polls; threads of one process that commit back to back (three connections syncing side by side, the webhook
commit thread, the scheduler) can keep a polling writer out until its timeout ends in "database is locked".
Within a process Baton therefore queues its ``BEGIN IMMEDIATE`` transactions here first: first come, first
served, with a bound after which a writer goes on to SQLite's own busy timeout as before.
"""

from __future__ import annotations

import threading
from collections import deque

__all__ = ["WriteQueue"]


class WriteQueue:
    """A re-entrant first-in, first-out lock (re-entry by the owning thread counts, it does not queue)."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._waiting: deque[object] = deque()
        self._owner: int | None = None
        self._depth = 0

    def acquire(self, timeout: float) -> bool:
        """Wait for this thread's turn, at most ``timeout`` seconds; False when the wait timed out."""
        me = threading.get_ident()
        with self._changed:
            if self._owner == me:
                self._depth += 1
                return True
            ticket = object()
            self._waiting.append(ticket)
            turn = self._changed.wait_for(lambda: self._owner is None and self._waiting[0] is ticket, timeout)
            if not turn:
                self._waiting.remove(ticket)
                self._changed.notify_all()  # the next in line may be free to go now
                return False
            self._waiting.popleft()
            self._owner, self._depth = me, 1
            return True

    def release(self) -> None:
        """End the current turn (or one re-entry of it). The caller pairs it with its acquire: a transaction may
        end on another thread than the one that began it."""
        with self._changed:
            if self._owner is None:
                raise RuntimeError("the write queue is not held")
            self._depth -= 1
            if self._depth == 0:
                self._owner = None
                self._changed.notify_all()

    @property
    def waiting(self) -> int:
        """Threads waiting for their turn."""
        with self._changed:
            return len(self._waiting)
