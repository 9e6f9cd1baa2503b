"""Parents and subtasks: generated items' parents come from the layout (no generation needed), API-created
subtasks are remembered; a team's parent -> children map is built on first use."""

from __future__ import annotations

import threading
from collections import defaultdict

from emulators.events import ChangeEvent, ChangeKind
from emulators.org.model import Vendor
from emulators.store import ItemStore

__all__ = ["Hierarchy"]


class Hierarchy:
    """Children of a task (epic -> stories/tasks/bugs, story -> subtasks), live items only."""

    def __init__(self, store: ItemStore) -> None:
        self.store = store
        self.org = store.org
        self._lock = threading.Lock()
        self._children: dict[int, dict[int, list[int]]] = {}  # team -> parent -> generated children
        self._created: defaultdict[int, list[int]] = defaultdict(list)  # parent -> API-created children
        self._deleted: set[int] = set()
        store.bus.subscribe(self._on_change)

    def generated_parent(self, index: int) -> int | None:
        """The parent the generator gives an item, from its layout slot (O(1))."""
        slot = self.org.slot(Vendor.ASANA, index)
        if slot.parent_offset:
            return index + slot.parent_offset
        return self.org.epic_of(Vendor.ASANA, self.org.team_of(Vendor.ASANA, index), slot)

    def children(self, index: int) -> list[int]:
        """Live children of an item, generated ones first, in index order."""
        candidates: list[int] = []
        if 0 <= index < self.org.item_count(Vendor.ASANA):
            team = self.org.team_of(Vendor.ASANA, index).index
            candidates.extend(self._team_map(team).get(index, ()))
        with self._lock:
            candidates.extend(self._created.get(index, ()))
        with self._lock:
            return [i for i in candidates if i not in self._deleted]

    def count(self, index: int) -> int:
        """Number of live children (`num_subtasks`)."""
        return len(self.children(index))

    def add_created(self, parent: int, child: int) -> None:
        """Remember a subtask created through the API."""
        with self._lock:
            self._created[parent].append(child)

    def _on_change(self, change: ChangeEvent) -> None:
        if change.kind is ChangeKind.DELETED:
            with self._lock:
                self._deleted.add(change.after.index)

    def _team_map(self, team: int) -> dict[int, list[int]]:
        with self._lock:
            cached = self._children.get(team)
        if cached is not None:
            return cached
        spec = self.org.team(Vendor.ASANA, team)
        built: defaultdict[int, list[int]] = defaultdict(list)
        for index in range(spec.start, spec.stop):
            parent = self.generated_parent(index)
            if parent is not None:
                built[parent].append(index)
        with self._lock:
            return self._children.setdefault(team, dict(built))
