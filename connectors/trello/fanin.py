"""Run several batch generators on worker threads and yield their batches as they come, memory bounded.

Boards are pulled concurrently (within the rate gates); the engine still stores batches one at a time on
the caller's thread. A failure in any board stops the others and is raised to the caller.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from typing import TypeVar

__all__ = ["fan_in"]

T = TypeVar("T")
_DONE = object()
_POLL_SECONDS = 0.05


def fan_in(producers: list[Callable[[], Iterator[T]]], *, workers: int, backlog: int = 4) -> Iterator[T]:
    """Yield what every producer yields (each producer's own order kept); at most ``backlog`` waiting."""
    if workers <= 1 or len(producers) <= 1:
        for produce in producers:
            yield from produce()
        return
    pending: queue.Queue[Callable[[], Iterator[T]]] = queue.Queue()
    for produce in producers:
        pending.put(produce)
    results: queue.Queue[object] = queue.Queue(maxsize=max(1, backlog))
    stop = threading.Event()

    def offer(value: object) -> bool:
        while not stop.is_set():
            try:
                results.put(value, timeout=_POLL_SECONDS)
                return True
            except queue.Full:
                continue
        return False

    def work() -> None:
        while not stop.is_set():
            try:
                produce = pending.get_nowait()
            except queue.Empty:
                break
            try:
                for value in produce():
                    if not offer(value):
                        return
            except BaseException as error:  # handed to the consumer, which re-raises it
                offer(error)
                return
        offer(_DONE)

    count = min(workers, len(producers))
    threads = [threading.Thread(target=work, name=f"trello-pull-{n}", daemon=True) for n in range(count)]
    for thread in threads:
        thread.start()
    finished = 0
    try:
        while finished < count:
            value = results.get()
            if value is _DONE:
                finished += 1
            elif isinstance(value, BaseException):
                raise value
            else:
                yield value  # type: ignore[misc]
    finally:
        stop.set()
        for thread in threads:
            thread.join()
