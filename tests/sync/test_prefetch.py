"""sync.prefetch: reading ahead in a thread keeps order, bounds memory, and hands errors over."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from sync.prefetch import prefetched, prefetched_groups


def test_items_arrive_in_order_and_all_of_them() -> None:
    assert list(prefetched(range(1000), depth=3)) == list(range(1000))


def test_the_producer_runs_at_most_depth_items_ahead() -> None:
    produced: list[int] = []
    gate = threading.Event()

    def source() -> Iterator[int]:
        for number in range(100):
            produced.append(number)
            yield number

    consumer = prefetched(source(), depth=2)
    assert next(consumer) == 0
    gate.wait(0.5)  # give the producer time to run as far ahead as it may
    # one handed over, two queued, one more produced and waiting to be queued
    assert len(produced) <= 4
    consumer.close()


def test_an_error_in_the_source_is_raised_in_the_consumer_after_the_items_before_it() -> None:
    def source() -> Iterator[int]:
        yield 1
        yield 2
        raise ValueError("page 3 is broken")

    consumer = prefetched(source())
    assert [next(consumer), next(consumer)] == [1, 2]
    with pytest.raises(ValueError, match="page 3 is broken"):
        next(consumer)


def test_a_consumer_that_stops_early_closes_the_source() -> None:
    closed = threading.Event()

    def source() -> Iterator[int]:
        try:
            yield from range(1_000_000)
        finally:
            closed.set()

    for number in prefetched(source()):
        if number == 5:
            break
    assert closed.wait(5), "the source generator was not closed"


def test_depth_must_be_positive() -> None:
    with pytest.raises(ValueError, match="depth"):
        prefetched([1], depth=0)


def test_groups_take_along_what_is_waiting_in_order_and_at_most_most() -> None:
    released = threading.Event()

    def source() -> Iterator[int]:
        yield 0
        released.wait(5)
        yield from range(1, 10)

    groups = prefetched_groups(source(), depth=8, most=3)
    assert next(groups) == [0], "the first item is handed over without waiting for more"
    released.set()
    rest = list(groups)
    assert [number for group in rest for number in group] == list(range(1, 10))
    assert all(1 <= len(group) <= 3 for group in rest)


def test_groups_hand_over_the_items_before_an_error_then_raise_it() -> None:
    def source() -> Iterator[int]:
        yield 1
        yield 2
        raise ValueError("page 3 is broken")

    groups = prefetched_groups(source(), depth=4, most=4)
    seen = next(groups)
    if seen == [1]:  # the second item was not read ahead yet
        seen += next(groups)
    assert seen == [1, 2]
    with pytest.raises(ValueError, match="page 3 is broken"):
        next(groups)
