"""Per-board action timelines (time, key, kind in compact arrays) answering `since`/`before`/`limit`/`page`.

A board's timeline is built on first use from its cards' histories (one generation per card), then kept
current from the change bus; queries walk it newest first without generating items that are skipped.
"""

from __future__ import annotations

import bisect
import heapq
import threading
from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice

from emulators.events import ChangeEvent
from emulators.store import ItemStore
from emulators.trello.actions import PARTS, SERIAL_EVENTS, ActionKind, ActionRef, expand_event, parse_action_id
from emulators.trello.card_index import BoardCards

__all__ = ["ActionQuery", "BoardActions", "Bound"]

# A bound is a date (POSIX seconds) or an action id.
Bound = float | str


@dataclass(frozen=True)
class ActionQuery:
    """Which actions: kinds (None = all), exclusive bounds, page size and page number."""

    kinds: frozenset[ActionKind] | None = None
    since: Bound | None = None
    before: Bound | None = None
    limit: int = 50
    page: int = 0


@dataclass
class _Timeline:
    ats: array[float] = field(default_factory=lambda: array("d"))
    keys: array[int] = field(default_factory=lambda: array("q"))
    kinds: array[int] = field(default_factory=lambda: array("B"))

    def insert(self, at: float, key: int, kind: int) -> None:
        position = self.position(at, key)
        if position < len(self.ats) and self.ats[position] == at and self.keys[position] == key:
            return
        self.ats.insert(position, at)
        self.keys.insert(position, key)
        self.kinds.insert(position, kind)

    def position(self, at: float, key: int) -> int:
        """Index of the first entry not older than (at, key)."""
        position = bisect.bisect_left(self.ats, at)
        while position < len(self.ats) and self.ats[position] == at and self.keys[position] < key:
            position += 1
        return position


def ref_of(at: float, key: int, kind: int) -> ActionRef:
    """An ActionRef back from a timeline entry (without the member/label subject)."""
    serial, part = divmod(key, PARTS)
    index, number = divmod(serial, SERIAL_EVENTS)
    return ActionRef(index, number, part, at, ActionKind(kind))


class BoardActions:
    """Timelines of every board's actions."""

    def __init__(self, store: ItemStore, cards: BoardCards) -> None:
        self.store = store
        self.cards = cards
        self._lock = threading.Lock()
        self._timelines: dict[int, _Timeline] = {}

    def on_change(self, change: ChangeEvent) -> None:
        """Add the actions of a write to its board's timeline (when built)."""
        item = change.after
        with self._lock:
            timeline = self._timelines.get(item.team)
            if timeline is None:
                return
            for ref in expand_event(item.index, change.event):
                timeline.insert(ref.at, ref.key, int(ref.kind))

    def _timeline(self, team: int) -> _Timeline:
        with self._lock:
            found = self._timelines.get(team)
        if found is not None:
            return found
        entries: list[tuple[float, int, int]] = []
        for index in self.cards.all_indices(team):
            generated = self.store.get_with_history(index, include_deleted=True)
            if generated is None:
                continue
            for event in generated.events:
                entries.extend((ref.at, ref.key, int(ref.kind)) for ref in expand_event(index, event))
        entries.sort()
        timeline = _Timeline(
            array("d", (e[0] for e in entries)),
            array("q", (e[1] for e in entries)),
            array("B", (e[2] for e in entries)),
        )
        with self._lock:
            return self._timelines.setdefault(team, timeline)

    def _resolve(self, bound: Bound | None) -> float | tuple[float, int] | None:
        """A date as is; an action id as the exact (time, key) of its event (else the id's second)."""
        if bound is None or isinstance(bound, float | int):
            return bound
        seconds = float(int(bound[:8], 16))
        parsed = parse_action_id(bound)
        if parsed is None:
            return seconds, -1
        index, number, part = parsed
        key = (index * SERIAL_EVENTS + number) * PARTS + part
        generated = self.store.get_with_history(index, include_deleted=True)
        if generated is None or number >= len(generated.events):
            return seconds, key
        return generated.events[number].at, key

    @staticmethod
    def _position(bound: float | tuple[float, int], timeline: _Timeline, *, since: bool) -> int:
        """Timeline position of a resolved bound: `before` excludes it and newer, `since` it and older."""
        if not isinstance(bound, tuple):
            return bisect.bisect_right(timeline.ats, bound) if since else bisect.bisect_left(timeline.ats, bound)
        position = timeline.position(*bound)
        if since and position < len(timeline.ats) and (timeline.ats[position], timeline.keys[position]) == bound:
            position += 1
        return position

    def newest(self, team: int, query: ActionQuery) -> Iterator[ActionRef]:
        """Matching actions of a board, newest first, from the start of the query's page."""
        timeline = self._timeline(team)
        before, since = self._resolve(query.before), self._resolve(query.since)
        with self._lock:
            high = len(timeline.ats) if before is None else self._position(before, timeline, since=False)
            low = 0 if since is None else self._position(since, timeline, since=True)
            ats, keys, kinds = timeline.ats[low:high], timeline.keys[low:high], timeline.kinds[low:high]
        wanted = None if query.kinds is None else {int(k) for k in query.kinds}
        refs = (
            ref_of(ats[i], keys[i], kinds[i])
            for i in range(len(ats) - 1, -1, -1)
            if wanted is None or kinds[i] in wanted
        )
        return islice(refs, query.page * query.limit, None)

    def page(self, team: int, query: ActionQuery) -> list[ActionRef]:
        """One page of a board's actions, newest first."""
        return list(islice(self.newest(team, query), query.limit))

    def page_across(self, teams: list[int], query: ActionQuery) -> list[ActionRef]:
        """One page of actions across boards (a workspace's actions), newest first."""
        first_page = ActionQuery(query.kinds, query.since, query.before, query.limit * (query.page + 1), 0)
        streams = [self.page(team, first_page) for team in teams]
        merged = heapq.merge(*streams, key=lambda r: (r.at, r.key), reverse=True)
        return list(islice(merged, query.page * query.limit, (query.page + 1) * query.limit))
