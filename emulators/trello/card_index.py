"""Per-board card order by id (= creation time), paging with `before`/`since`/`limit`, open-card counts.

A board's ids are computed from creation times without generating items (built on first use), API-created
cards are appended from the change bus; open counts are one scan on first use, then kept by deltas.
"""

from __future__ import annotations

import bisect
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum

from emulators.events import ChangeEvent, ChangeKind
from emulators.ids import ObjectKind, trello_id
from emulators.org.model import GeneratedItem, Item, Vendor
from emulators.store import ItemStore

__all__ = ["BoardCards", "CardFilter", "CardQuery"]

T = Vendor.TRELLO


class CardFilter(StrEnum):
    """`/boards/{id}/cards/{filter}`."""

    ALL = "all"
    CLOSED = "closed"
    NONE = "none"
    OPEN = "open"
    VISIBLE = "visible"
    COMPLETE = "complete"
    INCOMPLETE = "incomplete"


@dataclass(frozen=True)
class CardQuery:
    """Which cards of a board: filter, exclusive id bounds, and at most `limit` (newest first when paging)."""

    filter: CardFilter = CardFilter.OPEN
    before: str | None = None
    since: str | None = None
    limit: int | None = None

    @property
    def paged(self) -> bool:
        """Paging parameters given: Trello then answers the newest matching cards first."""
        return self.limit is not None or self.before is not None or self.since is not None


def id_bound(moment: float | str, *, upper: bool) -> str:
    """A comparable id bound: an id as is, a date as the lowest (`before`) or highest (`since`) id of its second."""
    if isinstance(moment, str):
        return moment
    second = f"{int(moment):08x}"
    return second + ("0" * 16 if upper else "f" * 16)


class BoardCards:
    """Cards of every board ordered by id; `select` answers card queries, `open_count` the board limit."""

    def __init__(self, store: ItemStore, closed: Callable[[Item], bool]) -> None:
        self.store = store
        self.org = store.org
        self._closed = closed
        self._lock = threading.Lock()
        self._ids: dict[int, list[str]] = {}
        self._indices: dict[int, list[int]] = {}
        self._created: dict[int, list[int]] = {}
        self._open: dict[int, int] = {}

    # ----- change bus
    def on_change(self, change: ChangeEvent) -> None:
        """Track API-created cards and keep open counts in step with every write."""
        item = change.after
        with self._lock:
            if change.kind is ChangeKind.CREATED:
                created = self._created.setdefault(item.team, [])
                if item.index not in created:
                    created.append(item.index)
                    ids = self._ids.get(item.team)
                    if ids is not None:
                        self._insert(item.team, item.external_id, item.index)
            if item.team in self._open:
                self._open[item.team] += int(self._is_open(item)) - int(
                    change.before is not None and self._is_open(change.before)
                )

    def _is_open(self, item: Item) -> bool:
        return not item.deleted and not self._closed(item)

    def _insert(self, team: int, card_id: str, index: int) -> None:
        ids, indices = self._ids[team], self._indices[team]
        position = bisect.bisect_left(ids, card_id)
        if position < len(ids) and ids[position] == card_id:
            return
        ids.insert(position, card_id)
        indices.insert(position, index)

    # ----- order
    def _ordered(self, team: int) -> tuple[list[str], list[int]]:
        with self._lock:
            if team not in self._ids:
                spec = self.org.team(T, team)
                pairs = sorted(
                    (trello_id(self.org.created_at(T, index), ObjectKind.ITEM, index), index)
                    for index in range(spec.start, spec.stop)
                )
                self._ids[team] = [card_id for card_id, _ in pairs]
                self._indices[team] = [index for _, index in pairs]
                for index in self._created.get(team, []):
                    item = self.store.get(index, include_deleted=True)
                    if item is not None:
                        self._insert(team, item.external_id, index)
            return self._ids[team], self._indices[team]

    def newest_first(self, team: int, before: str | None = None, since: str | None = None) -> Iterator[int]:
        """Indices of a board's cards with since < id < before, newest first."""
        ids, indices = self._ordered(team)
        with self._lock:
            high = bisect.bisect_left(ids, before) if before is not None else len(ids)
            low = bisect.bisect_right(ids, since) if since is not None else 0
            chosen = indices[low:high]
        return reversed(chosen)

    def all_indices(self, team: int) -> list[int]:
        """Every card index of a board (deleted included), oldest id first."""
        _, indices = self._ordered(team)
        with self._lock:
            return list(indices)

    # ----- queries
    def matches(self, item: Item, card_filter: CardFilter) -> bool:
        """Whether a live card passes a card filter."""
        if card_filter is CardFilter.ALL:
            return True
        if card_filter is CardFilter.NONE:
            return False
        closed = self._closed(item)
        if card_filter is CardFilter.CLOSED:
            return closed
        if card_filter in (CardFilter.OPEN, CardFilter.VISIBLE):
            return not closed
        complete = not item.status_category.is_open and item.due is not None
        return complete if card_filter is CardFilter.COMPLETE else not complete

    def select(self, team: int, query: CardQuery) -> list[GeneratedItem]:
        """Cards answering a query: newest first when paged, else in board order (list, then position)."""
        if query.filter is CardFilter.NONE:
            return []
        found: list[GeneratedItem] = []
        for index in self.newest_first(team, query.before, query.since):
            generated = self.store.get_with_history(index)
            if generated is None or not self.matches(generated.item, query.filter):
                continue
            found.append(generated)
            if query.limit is not None and len(found) >= query.limit:
                break
        if not query.paged:
            workflow = self.org.team(T, team).workflow
            found.sort(key=lambda g: (workflow.position(g.item.status), g.item.number))
        return found

    def open_count(self, team: int) -> int:
        """Open (not archived, not deleted) cards on a board: one scan on first use, then deltas."""
        with self._lock:
            if team in self._open:
                return self._open[team]
        count = 0
        for index in self.all_indices(team):
            item = self.store.get(index)
            if item is not None and self._is_open(item):
                count += 1
        with self._lock:
            return self._open.setdefault(team, count)
