"""One tool's items: the generated base plus an overlay of writes; the one path every mutation takes."""

from __future__ import annotations

import bisect
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, replace

from emulators.clock import EmulatorClock
from emulators.events import ChangeBus, ChangeEvent, ChangeKind
from emulators.org.generator import Organisation
from emulators.org.identity import item_identity
from emulators.org.model import Event, EventKind, GeneratedItem, Item, ItemType, Vendor
from emulators.org.timeline import apply_event, current_value

__all__ = ["ItemStore", "NewItem"]


@dataclass(frozen=True)
class NewItem:
    """What an API create call supplies; the store fills ids, times and history."""

    team: int
    title: str
    type: ItemType = ItemType.TASK
    status: str | None = None
    description: str = ""
    assignee: int | None = None
    reporter: int | None = None
    labels: tuple[str, ...] = ()
    estimate: float | None = None
    parent: int | None = None


class ItemStore:
    """Items of one vendor: reads are O(1) per item (generated or overlaid), pages are O(page)."""

    def __init__(self, org: Organisation, vendor: Vendor, clock: EmulatorClock, bus: ChangeBus) -> None:
        self.org = org
        self.vendor = vendor
        self.clock = clock
        self.bus = bus
        self._lock = threading.RLock()
        self._overlay: dict[int, tuple[Item, list[Event]]] = {}
        self._deleted: dict[int, list[int]] = {}  # team -> sorted deleted base indices
        self._created: dict[int, list[int]] = {}  # team -> indices of items created through the API
        self._next_index = org.item_count(vendor)
        self._changes: list[tuple[float, int]] = []  # (emulated time, index), in write order
        self._base_counts: dict[int, Counter[str]] | None = None
        self._count_delta: dict[int, Counter[str]] = {}
        self.writes = 0

    # ----- reads
    @property
    def teams(self) -> range:
        """Team indices of this vendor."""
        return range(len(self.org.teams(self.vendor)))

    def exists(self, index: int) -> bool:
        """Whether an item with this index exists and is not deleted."""
        item = self.get(index)
        return item is not None

    def get(self, index: int, *, include_deleted: bool = False) -> Item | None:
        """The current item, or None when unknown (or deleted, unless asked)."""
        with self._lock:
            entry = self._overlay.get(index)
        if entry is not None:
            item = entry[0]
        elif 0 <= index < self.org.item_count(self.vendor):
            item = self.org.generate(self.vendor, index).item
        else:
            return None
        return item if include_deleted or not item.deleted else None

    def get_with_history(self, index: int, *, include_deleted: bool = False) -> GeneratedItem | None:
        """The current item and its events in one read (one generation for untouched items), or None."""
        with self._lock:
            entry = self._overlay.get(index)
        if entry is not None:
            found = GeneratedItem(entry[0], tuple(entry[1]))
        elif 0 <= index < self.org.item_count(self.vendor):
            found = self.org.generate(self.vendor, index)
        else:
            return None
        return found if include_deleted or not found.item.deleted else None

    def history(self, index: int) -> tuple[Event, ...]:
        """All events of an item, oldest first (empty when unknown)."""
        with self._lock:
            entry = self._overlay.get(index)
        if entry is not None:
            return tuple(entry[1])
        if 0 <= index < self.org.item_count(self.vendor):
            return self.org.generate(self.vendor, index).events
        return ()

    def find(self, external_id: str) -> int | None:
        """Index of the item with this external id (O(1) via the id scheme), or None."""
        from emulators.ids import ObjectKind, parse_asana_gid, parse_jira_issue_id, parse_trello_id

        if self.vendor is Vendor.JIRA:
            index = parse_jira_issue_id(external_id)
        else:
            parsed = parse_trello_id(external_id) if self.vendor is Vendor.TRELLO else parse_asana_gid(external_id)
            index = parsed[1] if parsed and parsed[0] is ObjectKind.ITEM else None
        if index is None:
            return None
        item = self.get(index)
        return index if item is not None and item.external_id == external_id else None

    def find_key(self, key: str) -> int | None:
        """Index of a Jira item by `KEY-123`, or None."""
        project, _, number = key.rpartition("-")
        if not number.isdigit():
            return None
        for team in self.org.teams(self.vendor):
            if team.key == project:
                local = int(number) - 1
                if 0 <= local < team.size:
                    index = team.start + local
                else:
                    created = self._created.get(team.index, [])
                    offset = local - team.size
                    index = created[offset] if 0 <= offset < len(created) else -1
                return index if self.get(index) is not None else None
        return None

    def count(self, team: int) -> int:
        """Items (not deleted) in a team's container."""
        size = self.org.team(self.vendor, team).size
        with self._lock:
            created = sum(1 for i in self._created.get(team, []) if not self._overlay[i][0].deleted)
            return size - len(self._deleted.get(team, [])) + created

    def page(self, team: int, offset: int, limit: int) -> list[Item]:
        """Items `offset`..`offset+limit` of a team (generated, then API-created), skipping deletions."""
        result: list[Item] = []
        for index in self.page_indices(team, offset, limit):
            item = self.get(index)
            if item is not None:
                result.append(item)
        return result

    def page_indices(self, team: int, offset: int, limit: int) -> list[int]:
        """Indices of a page, without generating items (O(limit + deletions in range))."""
        spec = self.org.team(self.vendor, team)
        with self._lock:
            deleted = list(self._deleted.get(team, []))
            created = [i for i in self._created.get(team, []) if not self._overlay[i][0].deleted]
        base_alive = spec.size - len(deleted)
        indices: list[int] = []
        position = offset
        while len(indices) < limit and position < base_alive:
            index = _nth_alive(spec.start, position, deleted)
            indices.append(index)
            position += 1
        extra = max(0, offset - base_alive)
        indices.extend(created[extra : extra + (limit - len(indices))])
        return indices

    def iter_team(self, team: int, batch: int = 500) -> Iterator[Item]:
        """Every live item of a team, in page order."""
        offset = 0
        while True:
            page = self.page(team, offset, batch)
            if not page:
                return
            yield from page
            offset += batch

    def changed_since(self, moment: float) -> list[int]:
        """Indices written at or after emulated `moment` (generated items never change after `now`)."""
        with self._lock:
            position = bisect.bisect_left(self._changes, (moment, -1))
            seen: dict[int, None] = {}
            for _, index in self._changes[position:]:
                seen[index] = None
        return list(seen)

    def status_counts(self, team: int) -> dict[str, int]:
        """Live items per raw status in a team's container."""
        with self._lock:
            if self._base_counts is None:
                self._base_counts = {t: self._count_base(t) for t in self.teams}
            counts = Counter(self._base_counts[team])
            counts.update(self._count_delta.get(team, Counter()))
        return {name: n for name, n in counts.items() if n > 0}

    # ----- writes
    def apply(self, index: int, kind: EventKind, value: str | None, author: int, at: float | None = None) -> Item:
        """Apply one change now (or at `at`), record it in history and publish it; KeyError when unknown."""
        with self._lock:
            item, events = self._materialise(index)
            if item.deleted:
                raise KeyError(index)
            moment = self.clock.timestamp() if at is None else at
            event = Event(len(events), moment, author, kind, current_value(item, kind), value)
            workflow = self.org.team(self.vendor, item.team).workflow
            after = apply_event(item, event, workflow, human=not self.org.is_bot(author))
            self._store(index, after, [*events, event], before=item)
            change = ChangeEvent(
                self.vendor,
                ChangeKind.DELETED if kind is EventKind.DELETED else ChangeKind.UPDATED,
                event,
                item,
                after,
            )
        self.bus.publish(change)
        return after

    def delete(self, index: int, author: int) -> Item:
        """Delete an item (kept as a tombstone in the overlay)."""
        return self.apply(index, EventKind.DELETED, None, author)

    def create(self, new: NewItem) -> Item:
        """Create an item in a team's container through the same path as every write."""
        team = self.org.team(self.vendor, new.team)
        workflow = team.workflow
        status = workflow.by_name(new.status) if new.status else workflow.statuses[1]
        if status is None:
            raise ValueError(f"unknown status {new.status!r} for team {team.name}")
        now = self.clock.timestamp()
        reporter = new.reporter if new.reporter is not None else team.members[0]
        with self._lock:
            index = self._next_index
            self._next_index += 1
            created = self._created.setdefault(team.index, [])
            number = team.size + len(created) + 1
            identity = item_identity(
                self.vendor,
                index,
                project_key=team.key,
                number=number,
                created=now,
                container=self.org.container_id(self.vendor, team.index),
                jira_site=self.org.config.jira_site,
            )
            item = Item(
                vendor=self.vendor,
                index=index,
                team=team.index,
                number=number,
                external_id=identity.external_id,
                key=identity.key,
                url=identity.url,
                type=new.type,
                title=new.title,
                description=new.description,
                status=status.name,
                status_category=status.category,
                assignee=new.assignee,
                reporter=reporter,
                labels=tuple(sorted(new.labels)),
                estimate=new.estimate,
                due=None,
                sprint=None,
                parent=new.parent,
                flagged=False,
                resolution=None,
                links=(),
                created_at=now,
                updated_at=now,
                resolved_at=None,
                last_activity_at=now,
            )
            event = Event(0, now, reporter, EventKind.CREATED, None, status.name)
            created.append(index)
            self._store(index, item, [event], before=None)
            change = ChangeEvent(self.vendor, ChangeKind.CREATED, event, None, item)
        self.bus.publish(change)
        return item

    def _materialise(self, index: int) -> tuple[Item, list[Event]]:
        entry = self._overlay.get(index)
        if entry is not None:
            return entry[0], list(entry[1])
        if not 0 <= index < self.org.item_count(self.vendor):
            raise KeyError(index)
        generated = self.org.generate(self.vendor, index)
        return generated.item, list(generated.events)

    def _store(self, index: int, item: Item, events: list[Event], *, before: Item | None) -> None:
        self._overlay[index] = (item, events)
        self._changes.append((item.updated_at, index))
        self.writes += 1
        delta = self._count_delta.setdefault(item.team, Counter())
        if before is not None and not before.deleted:
            delta[before.status] -= 1
        if not item.deleted:
            delta[item.status] += 1
        if item.deleted and (before is None or not before.deleted) and index < self.org.item_count(self.vendor):
            bisect.insort(self._deleted.setdefault(item.team, []), index)

    def _count_base(self, team: int) -> Counter[str]:
        """Generated statuses of a team: head and active items one by one, the bulk by table position."""
        layout = self.org.layout(self.vendor, team)
        start = self.org.team(self.vendor, team).start
        counts: Counter[str] = Counter()
        for local in range(layout.bulk_start):
            counts[self.org.generate(self.vendor, start + local).item.status] += 1
        table = len(layout.bulk)
        full, partial = divmod(layout.bulk_length, table)
        for position in range(min(table, layout.bulk_length)):
            status = self.org.generate(self.vendor, start + layout.bulk_start + position).item.status
            counts[status] += full + (1 if position < partial else 0)
        return counts


def _nth_alive(start: int, position: int, deleted: list[int]) -> int:
    """The base index of the `position`-th live item counting from `start`, given sorted deleted indices."""
    index = start + position
    skipped = 0
    while True:
        now_skipped = bisect.bisect_right(deleted, index)
        if now_skipped == skipped:
            return index
        index += now_skipped - skipped
        skipped = now_skipped


def rename(item: Item, title: str) -> Item:
    """A copy of the item with another title (for vendor PUT handlers that build values)."""
    return replace(item, title=title)
