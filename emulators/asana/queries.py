"""Task collections: a project's tasks in order, or a bounded scan with filters (section, assignee, tag,
modified_since, completed_since). Scans look at a bounded number of tasks per page, so a very selective
filter may return short (even empty) pages with a `next_page`, which clients simply follow."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from emulators.asana.catalog import Catalog
from emulators.org.model import Item
from emulators.store import ItemStore

__all__ = ["SCAN_BUDGET", "TaskFilter", "TaskQueries"]

SCAN_BUDGET = 2000
_TEAM_STRIDE = 10**9
_CHUNK = 200


@dataclass(frozen=True)
class TaskFilter:
    """Which tasks a listing wants; None means no condition."""

    teams: tuple[int, ...]
    status: str | None = None
    assignee: int | None = None
    label: str | None = None
    modified_since: float | None = None
    completed_since: float | None = None

    @property
    def plain(self) -> bool:
        """A project's tasks with no other condition: O(page) paging."""
        return len(self.teams) == 1 and all(
            value is None
            for value in (self.status, self.assignee, self.label, self.modified_since, self.completed_since)
        )

    def matches(self, item: Item, catalog: Catalog) -> bool:
        """Whether an item passes every condition."""
        if self.status is not None and item.status != self.status:
            return False
        if self.assignee is not None and item.assignee != self.assignee:
            return False
        if self.label is not None and self.label not in item.labels:
            return False
        if self.modified_since is not None and item.updated_at < self.modified_since:
            return False
        if self.completed_since is not None and catalog.is_closed(item.status_category):
            return item.resolved_at is not None and item.resolved_at >= self.completed_since
        return True


class TaskQueries:
    """Answers `fetch(position, count)` for task listings (positions are opaque to clients)."""

    def __init__(self, store: ItemStore, catalog: Catalog) -> None:
        self.store = store
        self.catalog = catalog

    def fetch(self, where: TaskFilter, position: int, count: int) -> tuple[list[Item], int, bool]:
        """Up to `count` matching tasks from `position`; the position after them; whether the end was reached."""
        if where.plain:
            return self._project_page(where.teams[0], position, count)
        if where.modified_since is not None and where.modified_since > self.store.org.now:
            return self._changed_only(where, position, count)
        return self._scan(where, position, count)

    def _project_page(self, team: int, position: int, count: int) -> tuple[list[Item], int, bool]:
        indices = self.store.page_indices(team, position, count)
        items = [item for item in (self.store.get(i) for i in indices) if item is not None]
        after = position + len(indices)
        return items, after, after >= self.store.count(team)

    def _scan(self, where: TaskFilter, position: int, count: int) -> tuple[list[Item], int, bool]:
        ordinal, local = divmod(position, _TEAM_STRIDE)
        found: list[Item] = []
        examined = 0
        budget = max(SCAN_BUDGET, count * 20)
        while ordinal < len(where.teams) and len(found) < count and examined < budget:
            indices = self.store.page_indices(where.teams[ordinal], local, min(_CHUNK, budget - examined))
            if not indices:
                ordinal, local = ordinal + 1, 0
                continue
            for index in indices:
                local += 1
                examined += 1
                item = self.store.get(index)
                if item is not None and where.matches(item, self.catalog):
                    found.append(item)
                    if len(found) == count:
                        break
        done = ordinal >= len(where.teams) or self._exhausted(where.teams, ordinal, local)
        return found, ordinal * _TEAM_STRIDE + local, done

    def _exhausted(self, teams: Sequence[int], ordinal: int, local: int) -> bool:
        """Whether the scan stands at the end of the last team."""
        return ordinal == len(teams) - 1 and local >= self.store.count(teams[ordinal])

    def _changed_only(self, where: TaskFilter, position: int, count: int) -> tuple[list[Item], int, bool]:
        """Generated items never change after the generator's now: only written items can match."""
        teams = set(where.teams)
        candidates = sorted(i for i in self.store.changed_since(where.modified_since or 0.0) if i >= position)
        found: list[Item] = []
        after = position
        for index in candidates:
            after = index + 1
            item = self.store.get(index)
            if item is not None and item.team in teams and where.matches(item, self.catalog):
                found.append(item)
                if len(found) == count:
                    break
        return found, after, not candidates or after > candidates[-1]
