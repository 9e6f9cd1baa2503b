"""Where an item sits in its team's index range and which scenario it follows: O(1), no per-item memory.

A team's range is laid out as: head (epics, the R14 overload items, cross-tool pair slots), then the active
section (W cycles of the active table), then the bulk (repeating the bulk table to the end of the range).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from enum import StrEnum

from emulators.org.model import Vendor
from emulators.org.scenarios import (
    SEAT_SCENARIOS,
    Scenario,
    resolve_for_vendor,
)

__all__ = ["OVERLOAD_ITEMS", "PairGroup", "PairKind", "Section", "Slot", "TeamLayout", "build_table"]

OVERLOAD_ITEMS = 4
S = Scenario
_OPEN_BULK = frozenset(
    {
        S.BACKLOG, S.TODO, S.PARENT_OPEN, S.SUBTASK_OPEN, S.STALE_TODO, S.STALE_BACKLOG, S.NO_ESTIMATE,
        S.OVERDUE, S.REOPENED, S.CHILD_OPEN_UNDER_DONE, S.PARENT_OPEN_CHILD_DONE, S.ZOMBIE,
        S.OPEN_WITH_RESOLUTION,
    }
)  # fmt: skip
_NO_EPIC = frozenset({S.ORPHAN, S.SUBTASK_DONE, S.SUBTASK_OPEN, S.CHILD_OPEN_UNDER_DONE, S.CHILD_DONE_UNDER_OPEN})


class Section(StrEnum):
    """The three parts of a team's range."""

    HEAD = "head"
    ACTIVE = "active"
    BULK = "bulk"


class PairKind(StrEnum):
    """Cross-tool pairs: explicitly linked items, or unlinked near-duplicate titles."""

    LINK = "link"
    DUP = "dup"


@dataclass(frozen=True)
class PairGroup:
    """`count` pairs of kind between vendors a and b; pair j lives in team j % T of each side."""

    kind: PairKind
    a: Vendor
    b: Vendor
    count: int

    def involves(self, vendor: Vendor) -> bool:
        """Whether one side of the pairs lives in this vendor."""
        return vendor in (self.a, self.b)


@dataclass(frozen=True, slots=True)
class Slot:
    """An item's place: its scenario, section, cycle, seat, parent offset, epic rank, pair."""

    scenario: Scenario
    section: Section
    cycle: int
    position: int
    seat: int | None = None
    parent_offset: int = 0
    epic_rank: int | None = None
    pair_group: int | None = None
    pair_index: int | None = None


@dataclass(frozen=True)
class Table:
    """A flattened, shuffled cycle: scenarios, parent offsets, seat ranks, ranks for the epic mapping."""

    scenarios: tuple[Scenario, ...]
    parent_offsets: tuple[int, ...]
    seat_ranks: tuple[int | None, ...]
    epic_ranks: tuple[int | None, ...]
    open_per_cycle: int
    other_per_cycle: int
    seats_per_cycle: int

    def __len__(self) -> int:
        return len(self.scenarios)


def build_table(units: tuple[tuple[Scenario, ...], ...], vendor: Vendor, rng: random.Random) -> Table:
    """Shuffle units (keeping parent+child adjacent) and precompute per-position ranks."""
    shuffled = list(units)
    rng.shuffle(shuffled)
    scenarios: list[Scenario] = []
    offsets: list[int] = []
    for unit in shuffled:
        for offset, scenario in enumerate(unit):
            scenarios.append(resolve_for_vendor(scenario, vendor))
            offsets.append(-offset)
    seats: list[int | None] = []
    epic_ranks: list[int | None] = []
    seat_count = open_count = other_count = 0
    for scenario in scenarios:
        if scenario in SEAT_SCENARIOS:
            seats.append(seat_count)
            seat_count += 1
        else:
            seats.append(None)
        if scenario in _NO_EPIC:
            epic_ranks.append(None)
        elif scenario in _OPEN_BULK:
            epic_ranks.append(open_count)
            open_count += 1
        else:
            epic_ranks.append(-1 - other_count)
            other_count += 1
    return Table(tuple(scenarios), tuple(offsets), tuple(seats), tuple(epic_ranks), open_count, other_count, seat_count)


class TeamLayout:
    """Maps a team-local index to its Slot in O(1) (O(pair groups) in the head)."""

    def __init__(
        self,
        *,
        vendor: Vendor,
        team: int,
        team_count: int,
        size: int,
        epics: int,
        overload: bool,
        groups: tuple[PairGroup, ...],
        active: Table,
        bulk: Table,
        active_cycles: int,
    ) -> None:
        self.vendor = vendor
        self.team = team
        self.size = size
        self.epics = epics
        self.overload_items = OVERLOAD_ITEMS if overload else 0
        self.active = active
        self.bulk = bulk
        self._blocks: list[tuple[int, int, int, int]] = []  # (start, length, group index, side team count)
        cursor = epics + self.overload_items
        for g, group in enumerate(groups):
            if not group.involves(vendor):
                continue
            length = max(0, -(-(group.count - team) // team_count))
            self._blocks.append((cursor, length, g, team_count))
            cursor += length
        self.head_length = cursor
        self.active_length = min(active_cycles * len(active), max(0, size - cursor))
        self.bulk_start = cursor + self.active_length
        if size < self.bulk_start or self.head_length > size:
            raise ValueError(f"team {team} of {vendor} is too small for its head and active sections")

    @property
    def bulk_length(self) -> int:
        """Items in the bulk section."""
        return self.size - self.bulk_start

    def pair_slot(self, group: int, pair_index: int) -> int | None:
        """Team-local index of pair `pair_index` of `group`, if it lives in this team."""
        for start, length, g, team_count in self._blocks:
            if g == group:
                local = pair_index // team_count
                return start + local if local < length else None
        return None

    def slot(self, local: int) -> Slot:
        """The scenario and place of team-local index `local`."""
        if local < self.head_length:
            return self._head_slot(local)
        if local < self.bulk_start:
            return _table_slot(self.active, Section.ACTIVE, local - self.head_length)
        return _table_slot(self.bulk, Section.BULK, local - self.bulk_start)

    def _head_slot(self, local: int) -> Slot:
        if local < self.epics:
            return Slot(S.EPIC, Section.HEAD, 0, local)
        if local < self.epics + self.overload_items:
            return Slot(S.WIP_OVERLOAD, Section.HEAD, 0, local, epic_rank=local)
        for start, length, g, team_count in self._blocks:
            if start <= local < start + length:
                pair_index = (local - start) * team_count + self.team
                return Slot(S.LINK_OPEN, Section.HEAD, 0, local, epic_rank=local, pair_group=g, pair_index=pair_index)
        raise IndexError(local)


def _table_slot(table: Table, section: Section, offset: int) -> Slot:
    cycle, position = divmod(offset, len(table))
    seat_rank = table.seat_ranks[position]
    rank = table.epic_ranks[position]
    if rank is not None:
        rank = cycle * table.open_per_cycle + rank if rank >= 0 else -(cycle * table.other_per_cycle + (-1 - rank)) - 1
    return Slot(
        table.scenarios[position],
        section,
        cycle,
        position,
        seat=None if seat_rank is None else cycle * table.seats_per_cycle + seat_rank,
        parent_offset=table.parent_offsets[position],
        epic_rank=rank,
    )
