"""The contract every vendor connector is held to, against its emulator over real HTTP.

A vendor joins the suite with a module ``tests/connectors/harness_<vendor>.py`` exposing ``HARNESS``, an
object implementing :class:`VendorHarness`. ``test_conformance.py`` runs every check over every harness.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from connectors.config import ConnectorConfig
from models.enums import StatusCategory, Vendor


@dataclass(frozen=True)
class ExpectedItem:
    """An item as the emulator holds it, in the normalised terms Baton must reproduce."""

    external_id: str
    status_category: StatusCategory
    assignee_external_id: str | None
    estimate: float | None
    parent_external_id: str | None
    sprint_external_id: str | None
    due: date | None
    labels: frozenset[str]
    container_external_id: str | None


class RunningVendor(Protocol):
    """An emulator serving on 127.0.0.1, with a connector config pointing at it."""

    config: ConnectorConfig

    def expected_items(self) -> dict[str, ExpectedItem]:
        """Every live item the vendor's list endpoints return, by external id (from the emulator's state)."""
        ...

    def mutate(self, count: int, seed: int) -> None:
        """Make ``count`` random changes through the vendor's own write API (transitions, moves, deletes…)."""
        ...

    def minimum_full_sync_requests(self) -> int:
        """The fewest requests a full sync could make: discovery, item pages at the maximum page size, census pages."""
        ...


class VendorHarness(Protocol):
    """Starts a vendor's emulator for the conformance suite."""

    vendor: Vendor

    def running(self, *, seed: int, items: int) -> AbstractContextManager[RunningVendor]:
        """Serve the emulator with ``items`` items for the duration of the context."""
        ...


def normalise_for_compare(items: dict[str, ExpectedItem]) -> dict[str, tuple[object, ...]]:
    """Comparable tuples (labels sorted), for readable diffs in assertions."""
    return {
        key: (
            item.status_category,
            item.assignee_external_id,
            item.estimate,
            item.parent_external_id,
            item.sprint_external_id,
            item.due,
            tuple(sorted(item.labels)),
            item.container_external_id,
        )
        for key, item in items.items()
    }


def first_differences(
    expected: dict[str, tuple[object, ...]], actual: dict[str, tuple[object, ...]], n: int = 5
) -> Iterator[str]:
    """A few human-readable differences between two item maps."""
    shown = 0
    for key in sorted(set(expected) | set(actual)):
        if expected.get(key) != actual.get(key):
            yield f"{key}: expected {expected.get(key)} got {actual.get(key)}"
            shown += 1
            if shown >= n:
                return
