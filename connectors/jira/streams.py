"""Several page streams read at once: each stream on a worker thread, their batches merged as they come.

A full or incremental pull reads one stream per project (its own query, its own cursor), so while one
stream waits for Jira the others are in flight; the client's rate gate still bounds the connection's
requests. Each stream's batches reach the caller in the stream's own order (a stream's cursor only moves
forward), at most ``backlog`` batches wait in memory, and the first failure stops every stream and is
raised to the caller. A caller that stops early stops the streams at their next hand-over.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

__all__ = ["merged_streams", "project_streams_pay_off"]

T = TypeVar("T")
_HAND_OVER_SECONDS = 0.05


class _Finished:
    """A worker's last message: no stream left for it, or ``error`` stopped it."""

    def __init__(self, error: BaseException | None = None) -> None:
        self.error = error


class _Streams(Generic[T]):
    def __init__(self, streams: list[Callable[[], Iterator[T]]], workers: int, backlog: int) -> None:
        self._pending: queue.SimpleQueue[Callable[[], Iterator[T]]] = queue.SimpleQueue()
        for stream in streams:
            self._pending.put(stream)
        self._results: queue.Queue[T | _Finished] = queue.Queue(maxsize=max(1, backlog))
        self._stopped = threading.Event()
        count = max(1, min(workers, len(streams)))
        self._threads = [
            threading.Thread(target=self._work, name=f"jira-stream-{n}", daemon=True) for n in range(count)
        ]

    def _offer(self, message: T | _Finished) -> bool:
        while not self._stopped.is_set():
            try:
                self._results.put(message, timeout=_HAND_OVER_SECONDS)
                return True
            except queue.Full:
                continue
        return False

    def _work(self) -> None:
        while not self._stopped.is_set():
            try:
                stream = self._pending.get_nowait()
            except queue.Empty:
                break
            try:
                for batch in stream():
                    if not self._offer(batch):
                        return
            except BaseException as error:  # handed to the caller, raised there
                self._offer(_Finished(error))
                return
        self._offer(_Finished())

    def batches(self) -> Iterator[T]:
        for thread in self._threads:
            thread.start()
        running = len(self._threads)
        try:
            while running:
                message = self._results.get()
                if isinstance(message, _Finished):
                    if message.error is not None:
                        raise message.error
                    running -= 1
                    continue
                yield message
        finally:
            self._stopped.set()
            for thread in self._threads:
                thread.join()


def merged_streams(streams: list[Callable[[], Iterator[T]]], *, workers: int, backlog: int = 4) -> Iterator[T]:
    """Every batch of every stream, ``workers`` streams read at once; one worker reads them one after another."""
    if workers <= 1 or len(streams) <= 1:
        for stream in streams:
            yield from stream()
        return
    yield from _Streams(streams, workers, backlog).batches()


# A full sync may read at most this share of pages more than the minimum (issue #5: 5 %).
EXTRA_PAGE_SHARE = 0.05


def project_streams_pay_off(projects: int, estimated_items: int | None, page_size: int) -> bool:
    """Whether a full pull should read one stream per project rather than one site-wide stream.

    Each project's stream ends on a part-filled page, so per-project streams cost up to ``projects - 1`` pages more
    than the minimum ``ceil(items / page_size)``; they are worth it (concurrency) only while that stays within
    EXTRA_PAGE_SHARE of the minimum. Without an estimate the streams are used (the caller asked for no count).
    """
    if projects <= 1:
        return False
    if estimated_items is None:
        return True
    minimum_pages = -(-estimated_items // page_size)
    return projects - 1 <= EXTRA_PAGE_SHARE * minimum_pages
