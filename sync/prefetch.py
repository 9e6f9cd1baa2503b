"""Read ahead of a slow iterator in a background thread, so fetching the next page overlaps storing this one.

A sync alternates between waiting for the vendor (network, the vendor's own work) and storing a batch
(CPU and the database). ``prefetched(pages, depth=2)`` runs the page iterator in a thread and hands its items
over through a bounded queue: at most ``depth`` batches wait in memory, so memory stays bounded. An exception
raised by the iterator is raised in the consumer at the same position; a consumer that stops early (it
raised, or broke out of the loop) stops the producer at its next hand-over. ``prefetched_groups`` hands over
what is waiting as one list, so the store can write several read-ahead batches in one transaction.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Generator, Iterable
from typing import Generic, TypeVar

__all__ = ["prefetched", "prefetched_groups"]

T = TypeVar("T")
_HAND_OVER_SECONDS = 0.2


class _Done:
    """The producer's last message: the iterator ended, or raised ``error``."""

    def __init__(self, error: BaseException | None) -> None:
        self.error = error


class _Prefetcher(Generic[T]):
    def __init__(self, source: Iterable[T], depth: int) -> None:
        self._source = source
        self._queue: queue.Queue[T | _Done] = queue.Queue(maxsize=depth)
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._produce, name="sync-prefetch", daemon=True)

    def _put(self, message: T | _Done) -> bool:
        while not self._stopped.is_set():
            try:
                self._queue.put(message, timeout=_HAND_OVER_SECONDS)
                return True
            except queue.Full:
                continue
        return False

    def _produce(self) -> None:
        iterator = iter(self._source)
        try:
            for item in iterator:
                if not self._put(item):
                    return
        except BaseException as error:  # handed to the consumer, raised there
            self._put(_Done(error))
            return
        finally:
            close = getattr(iterator, "close", None)
            if close is not None and self._stopped.is_set():
                close()
        self._put(_Done(None))

    def groups(self, most: int) -> Generator[list[T], None, None]:
        """Wait for one item, then take every item already waiting (``most`` at most) with it."""
        self._thread.start()
        try:
            while True:
                group: list[T] = []
                message = self._queue.get()
                while not isinstance(message, _Done):
                    group.append(message)
                    if len(group) >= most:
                        break
                    try:
                        message = self._queue.get_nowait()
                    except queue.Empty:
                        break
                if group:
                    yield group
                if isinstance(message, _Done):
                    if message.error is not None:
                        raise message.error
                    return
        finally:
            self._stopped.set()
            self._thread.join()

    def items(self) -> Generator[T, None, None]:
        for group in self.groups(1):
            yield from group


def prefetched(source: Iterable[T], *, depth: int = 2) -> Generator[T, None, None]:
    """Iterate ``source`` in a background thread, at most ``depth`` items ahead of the consumer."""
    if depth < 1:
        raise ValueError("depth must be at least 1")
    return _Prefetcher(source, depth).items()


def prefetched_groups(source: Iterable[T], *, depth: int = 4, most: int = 4) -> Generator[list[T], None, None]:
    """As :func:`prefetched`, handing over lists: each waits for one item and takes along every item already
    read ahead (``most`` at most), so a consumer that fell behind catches up in fewer, larger steps."""
    if depth < 1 or most < 1:
        raise ValueError("depth and most must be at least 1")
    return _Prefetcher(source, depth).groups(most)
