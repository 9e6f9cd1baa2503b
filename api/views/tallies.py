"""Live item counts per group from ``item_tally`` (kept by database triggers, migration 0006).

Each write to ``work_item`` appends signed rows, so the sum of a group's rows is its current number of live items
and story points. Reading sums a table whose size is the number of groups (containers x statuses) plus the rows
appended since the last compaction, never the number of items. :func:`compact_item_tallies` folds the appended
rows into one row per group; it runs when a read finds more than ``COMPACT_AFTER`` rows, and from the sweep.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass

from sqlalchemy import Table, delete, func, insert, select, text
from sqlmodel import Session

from models.db import Database
from models.tables import table_of
from models.view_summary import ItemTally

__all__ = [
    "COMPACT_AFTER",
    "ITEM_TALLY",
    "Tally",
    "TeamContainers",
    "compact_item_tallies",
    "read_tallies",
    "tallies_in",
]

ITEM_TALLY: Table = table_of(ItemTally)
COMPACT_AFTER = 5_000
_GROUP = (
    ITEM_TALLY.c.container_id,
    ITEM_TALLY.c.subcontainer_id,
    ITEM_TALLY.c.source,
    ITEM_TALLY.c.status_raw,
    ITEM_TALLY.c.status_category,
)
_LOCK_KEY = 0x6261746F6E  # "baton": serialises compactions on PostgreSQL


@dataclass(frozen=True, slots=True)
class Tally:
    """Live items (and their points) in one (container, list/section, tool, raw status, category) group."""

    container_id: int | None
    subcontainer_id: int | None
    source: str
    status_raw: str
    status_category: str
    items: int
    points: float


@dataclass(frozen=True, slots=True)
class TeamContainers:
    """A team's scope as :func:`api.views.teams.team_scope` defines it: whole projects/boards and lone lists."""

    primary: frozenset[int]
    subs: frozenset[int]

    def holds(self, tally: Tally) -> bool:
        """Whether the tally's items are in the team's scope."""
        return tally.container_id in self.primary or tally.subcontainer_id in self.subs

    def within(self, other: TeamContainers) -> TeamContainers:
        """The part of this scope that ``other`` also covers (a team seen through a key limited to ``other``)."""
        return TeamContainers(self.primary & other.primary, self.subs & other.subs)


def _appended_rows(session: Session) -> int:
    low, high = session.execute(select(func.min(ITEM_TALLY.c.id), func.max(ITEM_TALLY.c.id))).one()
    return 0 if low is None else int(high) - int(low) + 1


def compact_item_tallies(database: Database) -> int:
    """Fold every tally row into one per group (dropping empty groups); returns the rows folded."""
    with database.session() as session:
        if database.dialect == "postgresql":
            session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
        high = session.execute(select(func.max(ITEM_TALLY.c.id))).scalar_one_or_none()
        if high is None:
            session.commit()
            return 0
        folded = int(
            session.execute(select(func.count()).select_from(ITEM_TALLY).where(ITEM_TALLY.c.id <= high)).scalar_one()
        )
        columns = [*(c.name for c in _GROUP), "items", "points"]
        if database.dialect == "postgresql":
            # One statement, so one snapshot: a row committed meanwhile is neither summed nor deleted (two
            # statements under READ COMMITTED could delete a row the sum never saw).
            moved = (
                delete(ITEM_TALLY)
                .where(ITEM_TALLY.c.id <= high)
                .returning(*_GROUP, ITEM_TALLY.c["items"], ITEM_TALLY.c.points)
                .cte("moved")
            )
            group = [moved.c[c.name] for c in _GROUP]
            folded_sums = (
                select(*group, func.sum(moved.c["items"]), func.sum(moved.c.points))
                .group_by(*group)
                .having(func.sum(moved.c["items"]) != 0)
            )
            session.execute(insert(ITEM_TALLY).from_select(columns, folded_sums).add_cte(moved))
        else:  # SQLite: this transaction holds the write lock (BEGIN IMMEDIATE), no other writer runs meanwhile
            sums = (
                select(*_GROUP, func.sum(ITEM_TALLY.c["items"]), func.sum(ITEM_TALLY.c.points))
                .where(ITEM_TALLY.c.id <= high)
                .group_by(*_GROUP)
                .having(func.sum(ITEM_TALLY.c["items"]) != 0)
            )
            session.execute(insert(ITEM_TALLY).from_select(columns, sums))
            session.execute(delete(ITEM_TALLY).where(ITEM_TALLY.c.id <= high))
        session.commit()
    return folded


def read_tallies(database: Database) -> list[Tally]:
    """Every group with live items, compacting first when many rows were appended since the last time."""
    with database.read_session() as session:
        appended = _appended_rows(session)
    if appended > COMPACT_AFTER:
        compact_item_tallies(database)
    with database.read_session() as session:
        rows = session.execute(
            select(*_GROUP, func.sum(ITEM_TALLY.c["items"]), func.sum(ITEM_TALLY.c.points))
            .group_by(*_GROUP)
            .having(func.sum(ITEM_TALLY.c["items"]) != 0)
        ).all()
    return [
        Tally(
            container_id=None if c is None else int(c),
            subcontainer_id=None if s is None else int(s),
            source=str(source),
            status_raw=str(raw),
            status_category=str(category),
            items=int(n),
            points=round(float(p or 0), 6),
        )
        for c, s, source, raw, category, n, p in rows
    ]


def tallies_in(
    tallies: Iterable[Tally],
    *,
    scope: TeamContainers | None = None,
    categories: Collection[str] | None = None,
    source: str | None = None,
) -> list[Tally]:
    """The tallies inside ``scope`` (a team), of ``categories`` and of ``source`` (each optional)."""
    return [
        t
        for t in tallies
        if (scope is None or scope.holds(t))
        and (categories is None or t.status_category in categories)
        and (source is None or t.source == source)
    ]
