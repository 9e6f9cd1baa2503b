"""connectors.jira.streams: several streams read at once, each stream's order kept, failures raised."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import pytest

from connectors.jira.streams import merged_streams, project_streams_pay_off


def stream(name: str, count: int, started: list[str] | None = None) -> Callable[[], Iterator[tuple[str, int]]]:
    def read() -> Iterator[tuple[str, int]]:
        if started is not None:
            started.append(name)
        for number in range(count):
            yield name, number

    return read


@pytest.mark.parametrize("workers", [1, 3, 8])
def test_every_batch_arrives_and_each_stream_keeps_its_order(workers: int) -> None:
    streams = [stream(name, count) for name, count in (("a", 50), ("b", 7), ("c", 0), ("d", 120), ("e", 1))]
    merged = list(merged_streams(streams, workers=workers, backlog=2))
    assert sorted(merged) == sorted((n, i) for n, c in (("a", 50), ("b", 7), ("d", 120), ("e", 1)) for i in range(c))
    for name in "abde":
        assert [i for n, i in merged if n == name] == sorted(i for n, i in merged if n == name)


def test_streams_are_read_at_the_same_time() -> None:
    both_in_flight = threading.Barrier(2, timeout=5)

    def waiting(name: str) -> Callable[[], Iterator[str]]:
        def read() -> Iterator[str]:
            both_in_flight.wait()  # breaks (and fails the test) unless the other stream is read meanwhile
            yield name

        return read

    assert sorted(merged_streams([waiting("a"), waiting("b")], workers=2)) == ["a", "b"]


def test_a_failing_stream_stops_the_merge_with_its_error() -> None:
    def broken() -> Iterator[tuple[str, int]]:
        yield "x", 0
        raise ValueError("project 10001 refused")

    endless_closed = threading.Event()

    def endless() -> Iterator[tuple[str, int]]:
        try:
            number = 0
            while True:
                yield "y", number
                number += 1
        finally:
            endless_closed.set()

    with pytest.raises(ValueError, match="project 10001 refused"):
        list(merged_streams([endless, broken], workers=2, backlog=1))
    assert endless_closed.wait(5), "the other stream was not stopped"


@pytest.mark.parametrize(
    ("projects", "items", "expected"),
    [
        (1, 100_000, False),  # one project: nothing to overlap
        (6, 2_000, False),  # 20 pages: 5 part-filled pages would be 25 % more
        (6, 10_000, True),  # 100 pages: 5 more is exactly 5 %
        (6, 9_900, False),
        (6, None, True),  # no estimate asked for
    ],
)
def test_project_streams_are_used_only_while_their_extra_pages_stay_within_five_percent(
    projects: int, items: int | None, expected: bool
) -> None:
    assert project_streams_pay_off(projects, items, 100) is expected
